/**
 * Every surface that shows whether a run passed agrees, for every kind of run: the native API
 * (evaluation status, pass status, verdict), Gradient's `pass_status`, the Netra-style
 * `getRunResults`, `evalgate gate` (exit code), `evalgate show` (mark) and the reporter (mark and
 * exit code). Runs are created through the real API on a real server (SQLite file, loopback);
 * the CLI is spawned.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { decideExitCode } from '../../reporter/exit-code.js'
import { formatTerminalSummary } from '../../reporter/summary.js'
import { createClient, type EvalgateClient } from '../../src/client/index.js'
import type { Run } from '../../src/schema/api.js'
import type { ItemResultInput, SuiteDefInput } from '../../src/schema/meta.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { buildCli, runCli } from '../helpers/cli.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { client } from '../helpers/http.js'

type Expected = 'pass' | 'fail' | 'pending'

interface Case {
  name: string
  suite: Partial<SuiteDefInput>
  items: ItemResultInput[]
  finalize: 'completed' | 'failed' | 'cancelled' | null
  expected: Expected
}

const errored = (i: number, status: 'failed' | 'timeout' = 'timeout') =>
  itemResult(i, {
    status,
    passed: false,
    output: null,
    error: { name: status === 'timeout' ? 'TimeoutError' : 'Error', message: 'boom' },
    scores: [],
  })
const passing = (n: number, from = 0) => Array.from({ length: n }, (_, i) => itemResult(from + i))

const CASES: Case[] = [
  {
    name: 'gate holds with a failing item inside it',
    suite: { gate: { passRate: 0.5 } },
    items: [...passing(3), itemResult(3, {}, 0.1)],
    finalize: 'completed',
    expected: 'pass',
  },
  {
    name: 'gate fails',
    suite: { gate: { passRate: 0.9 } },
    items: [...passing(3), itemResult(3, {}, 0.1)],
    finalize: 'completed',
    expected: 'fail',
  },
  {
    name: 'every item errored, no gate',
    suite: {},
    items: [errored(0, 'failed'), errored(1, 'failed')],
    finalize: 'completed',
    expected: 'fail',
  },
  {
    name: 'finalized failed while its gate holds',
    suite: { gate: { passRate: 0.5 } },
    items: passing(4),
    finalize: 'failed',
    expected: 'fail',
  },
  {
    name: 'cancelled while its gate holds',
    suite: { gate: { passRate: 0.5 } },
    items: passing(4),
    finalize: 'cancelled',
    expected: 'fail',
  },
  { name: '0 items, no gate', suite: {}, items: [], finalize: 'completed', expected: 'fail' },
  {
    name: 'no gate, one timed-out item',
    suite: {},
    items: [...passing(3), errored(3)],
    finalize: 'completed',
    expected: 'fail',
  },
  {
    name: 'no gate, star metric passes, all items pass',
    suite: { star: { metric: 'accuracy', successThreshold: 0.5 } },
    items: passing(3),
    finalize: 'completed',
    expected: 'pass',
  },
  {
    name: 'no gate, star metric fails',
    suite: { star: { metric: 'accuracy', successThreshold: 0.99 } },
    items: passing(3),
    finalize: 'completed',
    expected: 'fail',
  },
  {
    name: 'gated, errored item within the pass rate',
    suite: { gate: { passRate: 0.7 } },
    items: [...passing(3), errored(3)],
    finalize: 'completed',
    expected: 'pass',
  },
  {
    name: 'not finalized',
    suite: { gate: { passRate: 0.5 } },
    items: passing(2),
    finalize: null,
    expected: 'pending',
  },
]

let dir: string
let server: RunningServer
let sdk: EvalgateClient
let cli: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-verdict-'))
  ;[server, cli] = await Promise.all([startServer({ db: join(dir, 'v.db') }), buildCli()])
  sdk = createClient({ url: server.url })
})
afterAll(async () => {
  await sdk?.close()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

const asExpected = (passed: boolean | null | undefined): Expected =>
  passed === true ? 'pass' : passed === false ? 'fail' : 'pending'
const fromMark = (mark: string | undefined): Expected =>
  mark === '✓' ? 'pass' : mark === '✗' ? 'fail' : 'pending'

describe('all surfaces give one verdict', () => {
  test.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const api = client(server.url)
    const group = `group-${i}`
    const created = await api.post('/api/v1/runs', {
      suite: suiteDef({ name: `suite-${i}`, ...c.suite }),
      runGroup: group,
    })
    expect(created.status).toBe(201)
    const runId: string = created.body.run.id
    if (c.items.length > 0) {
      expect((await api.post(`/api/v1/runs/${runId}/items`, { items: c.items })).status).toBe(200)
    }
    if (c.finalize) {
      const fin = await api.post(`/api/v1/runs/${runId}/finalize`, {
        outcome: c.finalize,
        ...(c.finalize === 'failed' ? { errorDescription: 'worker crashed' } : {}),
      })
      expect(fin.status).toBe(200)
    }

    const run: Run = (await api.get(`/api/v1/runs/${runId}`)).body
    const surfaces: Record<string, Expected> = {}
    surfaces.nativeVerdict = asExpected(run.summary.verdict.passed)
    surfaces.nativePassStatus = asExpected(run.summary.passStatus)
    // evaluationStatus is the evaluation's progress, not a verdict: done once the verdict is final
    expect(run.evaluationStatus).toBe(run.summary.verdict.passed === null ? 'pending' : 'completed')

    const gradient = await api.get(`/v2/gen-ai/evaluation_runs/${runId}`)
    expect(gradient.status).toBe(200)
    surfaces.gradientPassStatus = asExpected(gradient.body.evaluation_run.pass_status)

    const netra = await sdk.getRunResults(runId)
    surfaces.netraPassStatus = asExpected(netra.data?.passStatus)

    // `evalgate gate` finalizes (as every shard may); a pending run is read as it is.
    const gate = await runCli(cli, [
      'gate',
      '--group',
      group,
      '--url',
      server.url,
      ...(c.finalize === null ? ['--no-finalize'] : []),
    ])
    surfaces.gateExitCode = gate.code === 0 ? 'pass' : c.finalize === null ? 'pending' : 'fail'
    if (c.expected !== 'pass') expect(gate.stdout).toContain('FAILED: ')

    const show = await runCli(cli, ['show', runId, '--url', server.url])
    expect(show.code).toBe(0)
    surfaces.showMark = fromMark(/^ (\S) evalgate/m.exec(show.stdout)?.[1])

    // The reporter, given the run it fetched (re-read after `evalgate gate` finalized it).
    const fetched: Run = (await api.get(`/api/v1/runs/${runId}`)).body
    const text = formatTerminalSummary({ run: fetched, previous: null, runUrl: runId })
    surfaces.reporterMark = fromMark(/^ (\S) evalgate/m.exec(text)?.[1])
    const decision = decideExitCode({
      reason: c.expected === 'pass' ? 'passed' : 'failed',
      unhandledErrors: 0,
      moduleErrors: 0,
      nonEvalFailures: 0,
      invalidPayloads: 0,
      suites: [
        {
          name: `suite-${i}`,
          failedTests: c.items.filter((it) => !it.passed).length,
          gate: { kind: 'checked', verdict: fetched.summary.verdict },
        },
      ],
      onServerError: 'fail',
      previousExitCode: undefined,
    })
    surfaces.reporterExitCode = decision.exitCode === 0 ? 'pass' : c.finalize === null ? 'pending' : 'fail'

    const expected = Object.fromEntries(Object.keys(surfaces).map((k) => [k, c.expected]))
    expect(surfaces).toEqual(expected)
    // A verdict that does not pass says why, and `evalgate gate` prints it.
    if (c.expected !== 'pass') {
      expect(run.summary.verdict.failures.length).toBeGreaterThan(0)
      for (const failure of run.summary.verdict.failures) expect(gate.stdout).toContain(failure)
    }
  })
})
