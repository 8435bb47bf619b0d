// The CLI's read commands (`runs`, `show`) open the local database through a server that leaves
// queued background jobs alone: a look at a run never makes judge calls for queued server-side
// scoring, nor waits on them while it closes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import type { SuiteDefInput } from '../../src/schema/meta.js'
import { startServer } from '../../src/server/index.js'
import { JUDGE_STAND_IN_KEY, type JudgeStandIn, startJudgeStandIn } from '../examples/judge-stand-in.js'
import { buildCli, bundleEmbeddedThread, runCli } from '../helpers/cli.js'
import { itemResult } from '../helpers/fixtures.js'

const suite: SuiteDefInput = {
  name: 'judged-later',
  dataset: { name: 'capitals', version: 'v1', size: 2 },
  metrics: [{ name: 'correctness', threshold: 0.5, evaluator: { id: 'correctness' } }],
}

let dir: string
let standIn: JudgeStandIn
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-cli-jobs-'))
  standIn = await startJudgeStandIn()
})
afterAll(async () => {
  await standIn.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the CLI reading a database with queued scoring', () => {
  test('runs and show answer without running the queued job', async () => {
    const db = join(dir, 'evalgate.db')
    // A run whose server-side scoring is queued, uploaded through a server that runs no jobs.
    const writer = await startServer({ db, runJobs: false })
    const api = new EvalgateApi({ url: writer.url, retries: 0 })
    let runId: string
    try {
      const { run } = await api.runs.createOrJoin({ suite, runGroup: 'queued' })
      runId = run.id
      await api.runs.addItems(
        run.id,
        [itemResult(0), itemResult(1)].map((it) => ({ ...it, scores: [] })),
      )
      await api.runs.finalize(run.id, { outcome: 'completed' })
      expect(await writer.services.jobs.counts(run.id)).toEqual({ queued: 1 })
    } finally {
      await api.close()
      await writer.close()
    }

    // The judge is reachable, as it would be on a developer's machine: only the rule keeps it idle.
    const env = {
      EVALGATE_URL: '',
      EVALGATE_REPLAY: 'off',
      EVALGATE_JUDGE_MODEL: 'judge-1',
      OPENAI_BASE_URL: standIn.baseUrl,
      OPENAI_API_KEY: JUDGE_STAND_IN_KEY,
    }
    const cli = await buildCli()
    // As the built package runs it: the embedded server in its worker thread, whose event loop
    // polls the job queue between the command's requests (in-process, a quick command could finish
    // before the first poll, and the test would prove nothing).
    await bundleEmbeddedThread(join(dirname(cli), 'server', 'embedded-thread.js'))
    for (const args of [
      ['runs', '--db', db],
      ['show', runId, '--db', db],
    ]) {
      const result = await runCli(cli, args, env, dir)
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toContain('judged-later')
    }
    expect(standIn.requests).toHaveLength(0)
    const reader = await startServer({ db, runJobs: false })
    try {
      expect(await reader.services.jobs.counts(runId)).toEqual({ queued: 1 })
    } finally {
      await reader.close()
    }
  })
})
