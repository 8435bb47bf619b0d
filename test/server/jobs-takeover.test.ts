/**
 * Many servers, one database (ARCHITECTURE.md §8): two real `evalgate serve` processes on one
 * PostgreSQL, one SIGKILLed in the middle of a scoring job; the other takes the job over once its
 * lease lapses and the run completes. And `evalgate gate` waiting for the server's evaluators.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import type { Run } from '../../src/schema/api.js'
import type { SuiteDefInput } from '../../src/schema/meta.js'
import { startServer } from '../../src/server/index.js'
import { openStore } from '../../src/store/open.js'
import { listJobs } from '../../src/store/repos/jobs.js'
import { JUDGE_STAND_IN_KEY, type JudgeStandIn, startJudgeStandIn } from '../examples/judge-stand-in.js'
import { buildCli, type ServeProcess, spawnServe } from '../helpers/cli.js'
import { itemResult } from '../helpers/fixtures.js'
import { startGatedJudge } from '../helpers/gated-judge.js'
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const suite = (name: string, passRate: number): SuiteDefInput => ({
  name,
  dataset: { name: 'capitals', version: 'v1', size: 4 },
  metrics: [
    { name: 'accuracy', threshold: 0.5 },
    { name: 'correctness', threshold: 0.5, evaluator: { id: 'correctness' } },
  ],
  gate: { passRate },
})

/** Items 0–2 answer their expected text; item 3 does not (the server's correctness fails it). */
const items = () =>
  [0, 1, 2, 3].map((i) => {
    const it = itemResult(i, { output: i === 3 ? 'something else' : `a${i}` })
    return { ...it, scores: [it.scores[0]!] }
  })

let cli = ''
let dir = ''
let standIn: JudgeStandIn
const children: ServeProcess[] = []

beforeAll(async () => {
  cli = await buildCli()
  dir = mkdtempSync(join(tmpdir(), 'evalgate-takeover-'))
  standIn = await startJudgeStandIn()
})
afterAll(async () => {
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL')
  await standIn.close()
  rmSync(dir, { recursive: true, force: true })
  rmSync(dirname(cli), { recursive: true, force: true })
})

describe.skipIf(postgresUnavailable() !== undefined)('two servers on one PostgreSQL', () => {
  let pg: TestPostgres
  beforeAll(async () => {
    pg = await startPostgres()
  })
  afterAll(async () => {
    await pg?.stop()
  })

  test('a server SIGKILLed mid-job: the other takes the job over after its lease and the run completes', async () => {
    const db = await pg.createDatabase('takeover')
    const judge = await startGatedJudge(standIn.baseUrl)
    try {
      const args = [
        '--db',
        db,
        '--judge-model',
        'judge-1',
        '--judge-base-url',
        judge.baseUrl,
        '--judge-api-key-env',
        'TAKEOVER_JUDGE_KEY',
        '--judge-replay',
        'off',
        '--job-lease-ms',
        '1500',
      ]
      const env = { TAKEOVER_JUDGE_KEY: JUDGE_STAND_IN_KEY }
      const serve = async () => {
        const p = await spawnServe(cli, args, env, mkdtempSync(join(dir, 'cwd-')))
        children.push(p)
        return p
      }
      const a = await serve()
      const apiA = new EvalgateApi({ url: a.url, retries: 0 })
      const { run } = await apiA.runs.createOrJoin({ suite: suite('takeover', 0.8), runGroup: 'takeover' })
      await apiA.runs.addItems(run.id, items())
      // server A claimed the scoring job and is waiting on the judge
      await until('A to call the judge', async () => (judge.received() > 0 ? true : undefined))
      const b = await serve()
      const store = await openStore(db)
      try {
        const [claimed] = await listJobs(store.db, { subject: run.id })
        expect(claimed).toMatchObject({ status: 'running', attempts: 1 })
        expect(claimed!.lease_owner).toContain(`:${a.child.pid}:`)

        a.child.kill('SIGKILL')
        expect((await a.exited).signal).toBe('SIGKILL')
        judge.release()

        const apiB = new EvalgateApi({ url: b.url, retries: 0 })
        const finalized = await apiB.runs.finalize(run.id, { outcome: 'completed' })
        expect(finalized).toMatchObject({ status: 'evaluating', evaluationStatus: 'running' })
        const done = await until('the run to complete on B', async () => {
          const r: Run = await apiB.runs.get(run.id)
          return r.evaluationStatus === 'running' ? undefined : r
        })
        expect(done).toMatchObject({ status: 'succeeded', evaluationStatus: 'completed' })
        expect(done.summary.metrics.find((m) => m.name === 'correctness')).toMatchObject({
          count: 4,
          mean: 0.75,
          errorCount: 0,
        })
        expect(done.summary.verdict.failures).toEqual(['pass rate 0.75 < 0.80'])
        const [job] = await listJobs(store.db, { subject: run.id })
        // claimed twice: by A (killed) and by B after A's lease lapsed
        expect(job).toMatchObject({ status: 'succeeded', attempts: 2, lease_owner: null })
        expect(JSON.parse(job!.result!)).toEqual({ scored: 4, errors: 0 })
      } finally {
        await store.close()
      }
      b.child.kill('SIGTERM')
      expect((await b.exited).code).toBe(0)
    } finally {
      judge.release()
      await judge.close()
    }
  })
})

function gateCli(
  args: string[],
  onOutput?: (out: string) => void,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'gate', ...args], { cwd: dir, env: { ...process.env } })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString()
      onOutput?.(out)
    })
    child.on('exit', (code) => resolve({ code, out }))
  })
}

test('evalgate gate waits for the server evaluators, says so, and fails with a clear line on timeout', async () => {
  const judge = await startGatedJudge(standIn.baseUrl)
  const server = await startServer({
    db: join(dir, 'gate.sqlite'),
    jobs: { pollMs: 50 },
    scoring: {
      judge: { model: 'judge-1', baseURL: judge.baseUrl, apiKey: JUDGE_STAND_IN_KEY },
      replayMode: 'off',
    },
  })
  try {
    const api = new EvalgateApi({ url: server.url, retries: 0 })
    const { run } = await api.runs.createOrJoin({ suite: suite('gated', 0.7), runGroup: 'gate-wait' })
    await api.runs.addItems(run.id, items())
    await until('the judge call', async () => (judge.received() > 0 ? true : undefined))

    const timedOut = await gateCli([
      '--group',
      'gate-wait',
      '--url',
      server.url,
      '--evaluation-timeout',
      '300',
    ])
    expect(timedOut.code).toBe(1)
    expect(timedOut.out).toContain("waiting for the server's evaluators on 1 run (timeout 0.3 s)")
    expect(timedOut.out).toContain(
      'FAILED: server-side evaluation did not finish within 0.3 s (evaluationStatus still running)',
    )

    // the judge answers only once the gate said it is waiting
    const passed = await gateCli(['--group', 'gate-wait', '--url', server.url], (out) => {
      if (out.includes("waiting for the server's evaluators")) judge.release()
    })
    expect(passed.out).toContain("waiting for the server's evaluators on 1 run (timeout 600 s)")
    expect(passed.out).toContain('all 1 runs pass')
    expect(passed.code).toBe(0)
  } finally {
    judge.release()
    await server.close()
    await judge.close()
  }
})
