import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import type { RunItem } from '../../src/schema/api.js'
import { EvalMetaSchema, type ItemResult } from '../../src/schema/meta.js'
import { startServer } from '../../src/server/index.js'
import { freePort } from '../helpers/postgres.js'
import { FIXTURE, readJsonl, runCli, runFixture, stateDir } from './helpers.js'

// Spawned `vitest run` processes on test/fixtures/reporter-basic with the embedded server (no
// EVALGATE_URL): each test gets its own database and outbox directory.

const states: ReturnType<typeof stateDir>[] = []
function freshState() {
  const state = stateDir()
  states.push(state)
  return state
}
afterAll(() => {
  for (const state of states) state.cleanup()
})

/** Reads every run (and its items) from a database file through a real server. */
async function readRuns(db: string) {
  const server = await startServer({ db, port: 0 })
  const api = new EvalgateApi({ url: server.url, retries: 0 })
  try {
    const { runs } = await api.runs.list({ limit: 100 })
    const withItems = []
    for (const run of runs) {
      const results = await api.runs.results(run.id, { perPage: 1000 })
      withItems.push({ run, items: results.items })
    }
    return withItems
  } finally {
    await api.close()
    await server.close()
  }
}

describe('reporter with the embedded server', () => {
  test('a gate that passes with a few failing items → exit 0; the fetched summary equals what was uploaded', async () => {
    const state = freshState()
    const jsonOut = join(state.dir, 'vitest.json')
    const stepSummary = join(state.dir, 'step-summary.md')
    const result = await runFixture(
      {
        FIXTURE_STATE_DIR: state.dir,
        FIXTURE_FAIL: '2',
        FIXTURE_GATE_PASSRATE: '0.8',
        GITHUB_STEP_SUMMARY: stepSummary,
      },
      // The user's own reporters (from the CLI) are kept beside evalgate's.
      ['--reporter=json', '--reporter=default', `--outputFile.json=${jsonOut}`],
    )
    expect(result.code, result.output).toBe(0)
    // Vitest itself saw 2 failed tests: the gate made the run pass.
    expect(result.output).toMatch(/Tests\s+2 failed \| 19 passed/)
    expect(result.output).toContain('evalgate  sums (v1)  20 items: 18 passed, 2 failed  pass rate 90.0%')
    expect(result.output).toContain('gate: passed — pass rate 0.90 >= 0.80')
    // the embedded server stops with the process: the summary names the command that opens the run
    expect(result.output).toMatch(
      /run: {2}\S+ \(in \S+; view: npx evalgate show \S+( --db \S+)? · dashboard: npx evalgate ui --run \S+/,
    )

    // What the tests carried in meta (Vitest's JSON report) is exactly what the server holds.
    const report = JSON.parse(readFileSync(jsonOut, 'utf8')) as {
      testResults: { assertionResults: { meta: Record<string, unknown> }[] }[]
    }
    const uploaded: ItemResult[] = report.testResults
      .flatMap((file) => file.assertionResults)
      .filter((test) => test.meta.evalgate)
      .map((test) => EvalMetaSchema.parse(test.meta.evalgate).result)
    expect(uploaded).toHaveLength(20)

    const runs = await readRuns(state.db)
    expect(runs).toHaveLength(1)
    const { run, items } = runs[0]!
    expect(run.status).not.toBe('running')
    expect(run.summary.totalItems).toBe(20)
    expect(run.summary.passedItems).toBe(uploaded.filter((i) => i.passed).length)
    expect(run.summary.failedItems).toBe(2)
    expect(run.summary.totalCostUsd).toBeCloseTo(
      uploaded.reduce((sum, i) => sum + (i.costUsd ?? 0), 0),
      9,
    )
    expect(run.summary.inputTokens).toBe(uploaded.reduce((sum, i) => sum + (i.usage?.inputTokens ?? 0), 0))
    const closeness = run.summary.metrics.find((m) => m.name === 'closeness')!
    const scores = uploaded.map((i) => i.scores.find((s) => s.metric === 'closeness')!.score!)
    expect(closeness.mean).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / scores.length, 9)
    expect(closeness.min).toBeCloseTo(Math.min(...scores), 9)
    expect(run.summary.passStatus).toBe(true)

    const byKey = new Map<string, RunItem>(items.map((i) => [`${i.itemId}/${i.trial}`, i]))
    expect(byKey.size).toBe(20)
    for (const sent of uploaded) {
      const stored = byKey.get(`${sent.itemId}/${sent.trial}`)!
      const { id: _id, runId: _runId, ordinal: _ordinal, ...fields } = stored
      expect(fields).toEqual(sent)
    }

    // GITHUB_STEP_SUMMARY gets the same summary as Markdown.
    const markdown = readFileSync(stepSummary, 'utf8')
    expect(markdown).toContain('### ✅ evalgate · sums (v1)')
    expect(markdown).toContain('| 20 | 18 | 2 | 0 | 90.0% |')
    expect(markdown).toContain('| exact | 0.900 |')
    expect(markdown).toContain('**Gate:** passed — pass rate 0.90 >= 0.80')
  })

  test('a failing gate → exit 1 with the failing condition; deltas against the previous run', async () => {
    const state = freshState()
    const first = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '1',
      FIXTURE_GATE_PASSRATE: '0.8',
    })
    expect(first.code, first.output).toBe(0)
    const second = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '5',
      FIXTURE_GATE_PASSRATE: '0.8',
    })
    expect(second.code, second.output).toBe(1)
    expect(second.output).toContain('gate: FAILED — pass rate 0.75 < 0.80')
    expect(second.output).toContain('evalgate: exit 1 — gate failed for sums: pass rate 0.75 < 0.80')
    // exact mean 0.95 → 0.75
    expect(second.output).toMatch(/exact\s+0\.750\s+−0\.200/)

    // `evalgate runs` and `evalgate show` read the same database.
    const runs = await runCli(['runs', '--db', state.db], { cwd: FIXTURE })
    expect(runs.code, runs.output).toBe(0)
    expect(runs.stdout).toMatch(/^sums$/m)
    expect(runs.stdout.match(/^\s+[✓✗]/gm)).toHaveLength(2)
    const listed = await runCli(['runs', '--db', state.db, '--json'], { cwd: FIXTURE })
    const latest = (JSON.parse(listed.stdout) as { runs: { id: string; summary: { failedItems: number } }[] })
      .runs[0]!
    expect(latest.summary.failedItems).toBe(5)
    const shown = await runCli(['show', latest.id, '--db', state.db, '--items', '2'], { cwd: FIXTURE })
    expect(shown.code, shown.output).toBe(0)
    expect(shown.stdout).toContain('gate: FAILED — pass rate 0.75 < 0.80')
    expect(shown.stdout).toContain('failed items (2 of 5)')
    expect(shown.stdout).toMatch(/exact: 0\.000, needs >= 1/)
  })

  test('a failing non-eval test → exit 1 even when the gate passes', async () => {
    const state = freshState()
    const result = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '1',
      FIXTURE_GATE_PASSRATE: '0.8',
      FIXTURE_UNIT_FAIL: '1',
    })
    expect(result.code, result.output).toBe(1)
    expect(result.output).toContain('gate: passed')
    expect(result.output).toContain('evalgate: exit 1 — 1 failed non-eval test')
  })

  test('no gate: failing items fail the run as plain Vitest would; plugin gate defaults apply', async () => {
    const state = freshState()
    const noGate = await runFixture({ FIXTURE_STATE_DIR: state.dir, FIXTURE_FAIL: '1' })
    expect(noGate.code, noGate.output).toBe(1)
    expect(noGate.output).toContain(
      'evalgate: exit 1 — verdict failed for sums: 1 of 20 items failed and no gate is configured',
    )
    const withDefault = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '1',
      FIXTURE_DEFAULT_GATE_PASSRATE: '0.9',
    })
    expect(withDefault.code, withDefault.output).toBe(0)
    expect(withDefault.output).toContain('gate: passed — pass rate 0.95 >= 0.90')
    // The gate default changed the suite definition: a new suite version.
    expect(withDefault.output).toContain('evalgate  sums (v2)')
  })

  test('without the plugin: reporters: ["default", evalgateReporter()] works the same', async () => {
    const state = freshState()
    const result = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_NO_PLUGIN: '1',
      FIXTURE_FAIL: '2',
      FIXTURE_GATE_PASSRATE: '0.8',
    })
    expect(result.code, result.output).toBe(0)
    expect(result.output).toContain('evalgate  sums (v1)  20 items: 18 passed, 2 failed')
    expect((await readRuns(state.db))[0]!.run.summary.totalItems).toBe(20)
  })

  test('a run without eval tests: no server started, no database, Vitest decides the exit code', async () => {
    const state = freshState()
    const ok = await runFixture({ FIXTURE_STATE_DIR: state.dir }, ['tests/unit.test.ts'])
    expect(ok.code, ok.output).toBe(0)
    // No line of evalgate's own (the clone's folder, often named evalgate, is in Vitest's paths).
    expect(ok.output).not.toMatch(/^\s*evalgate\b/m)
    expect(existsSync(state.db)).toBe(false)
    const failing = await runFixture({ FIXTURE_STATE_DIR: state.dir, FIXTURE_UNIT_FAIL: '1' }, [
      'tests/unit.test.ts',
    ])
    expect(failing.code, failing.output).toBe(1)
  })

  test('a payload that fails its schema is reported against its test and fails the run', async () => {
    const state = freshState()
    const result = await runFixture({ FIXTURE_STATE_DIR: state.dir, FIXTURE_BAD_META: '1' })
    expect(result.code, result.output).toBe(1)
    expect(result.output).toMatch(
      /evalgate: invalid result payload from test "writes a malformed evalgate payload" \(tests\/bad-meta\.test\.ts\): field `meta\.evalgate\./,
    )
    expect(result.output).toContain('1 invalid evalgate payload')
    // The valid suite was still uploaded.
    expect((await readRuns(state.db))[0]!.run.summary.totalItems).toBe(20)
  })
})

describe('server errors: nothing lost', () => {
  afterEach(() => {})

  test('a wrong URL: one clear line naming it, the outbox keeps every item, `evalgate upload` sends them', async () => {
    const state = freshState()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const result = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '1',
      FIXTURE_GATE_PASSRATE: '0.8',
      EVALGATE_URL: url,
    })
    expect(result.code, result.output).toBe(1)
    const lines = result.output
      .split('\n')
      .filter((line) => line.includes(`cannot reach the evalgate server at ${url}`))
    expect(lines[0]).toMatch(
      new RegExp(`^evalgate: cannot reach the evalgate server at ${url} \\(EVALGATE_URL\\): ECONNREFUSED`),
    )
    expect(result.output).toContain('gate NOT checked')
    expect(result.output).toContain('npx evalgate upload')

    const files = readdirSync(state.outbox)
    expect(files).toHaveLength(1)
    const lines2 = readJsonl(join(state.outbox, files[0]!)) as { kind: string; item?: { itemId: string } }[]
    expect(lines2[0]!.kind).toBe('run')
    expect(lines2.filter((l) => l.kind === 'item')).toHaveLength(20)

    // `warn` keeps the data but does not fail the build for the server error alone.
    const warned = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_GATE_PASSRATE: '0.8',
      EVALGATE_URL: url,
      EVALGATE_ON_SERVER_ERROR: 'warn',
    })
    expect(warned.code, warned.output).toBe(0)
    expect(warned.output).toContain('evalgate warning: gate of sums could not be checked')

    // Upload both outbox files into a local database; twice: the second is a no-op.
    const upload = await runCli(['upload', '--dir', state.outbox, '--db', state.db], { cwd: FIXTURE })
    expect(upload.code, upload.output).toBe(0)
    expect(upload.stdout.match(/20 items of sums/g)).toHaveLength(2)
    expect(existsSync(state.outbox) ? readdirSync(state.outbox) : []).toHaveLength(0)
    const again = await runCli(['upload', '--dir', state.outbox, '--db', state.db], { cwd: FIXTURE })
    expect(again.stdout).toContain('is empty')
    const runs = await readRuns(state.db)
    expect(runs).toHaveLength(2)
    expect(runs.map((r) => r.run.summary.totalItems)).toEqual([20, 20])
    expect(runs.map((r) => r.items.length)).toEqual([20, 20])
  })
})
