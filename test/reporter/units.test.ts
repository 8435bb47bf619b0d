import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { decideExitCode, type RunOutcome } from '../../reporter/exit-code.js'
import { mergeGate } from '../../reporter/gate-defaults.js'
import { rerunGroup, resolveRunGroup } from '../../reporter/run-group.js'
import { suiteKey } from '../../reporter/suite-key.js'
import { formatMarkdownSummary, formatTerminalSummary } from '../../reporter/summary.js'
import { Outbox, OutboxError, type RejectedLine } from '../../src/client/outbox.js'
import { decideVerdict, withVerdict } from '../../src/gate/index.js'
import type { Run, RunSummary } from '../../src/schema/api.js'
import { SuiteDefSchema } from '../../src/schema/meta.js'
import { makeItem, makeSuite } from '../client/items.js'

const base: RunOutcome = {
  reason: 'failed',
  unhandledErrors: 0,
  moduleErrors: 0,
  nonEvalFailures: 0,
  invalidPayloads: 0,
  suites: [],
  onServerError: 'fail',
  previousExitCode: 1,
}
const passRateCheck = (passed: boolean) => ({
  condition: 'passRate',
  actual: passed ? 0.9 : 0.5,
  expected: 0.9,
  op: '>=' as const,
  passed,
  message: passed ? 'pass rate 0.90 >= 0.90' : 'pass rate 0.50 < 0.90',
})
/** The stored verdict of a finalized run of 10 items, `failing` of them failing. */
const checked = (passed: boolean, gated = true, failing = 3) =>
  ({
    kind: 'checked',
    verdict: decideVerdict({
      status: 'succeeded',
      errorDescription: null,
      summary: {
        totalItems: 10,
        failedItems: failing,
        erroredItems: 0,
        gate: gated ? { passed, checks: [passRateCheck(passed)] } : null,
        star: null,
      },
    }),
  }) as const

describe('exit-code rules', () => {
  test('a passing gate excuses its failed items', () => {
    const d = decideExitCode({ ...base, suites: [{ name: 'a', failedTests: 3, gate: checked(true) }] })
    expect(d).toEqual({ exitCode: 0, reasons: [], warnings: [] })
  })
  test('a failing gate fails, naming the condition', () => {
    const d = decideExitCode({ ...base, suites: [{ name: 'a', failedTests: 3, gate: checked(false) }] })
    expect(d.exitCode).toBe(1)
    expect(d.reasons).toEqual(['gate failed for a: pass rate 0.50 < 0.90'])
  })
  test('without a gate, failed items fail', () => {
    const d = decideExitCode({
      ...base,
      suites: [{ name: 'a', failedTests: 1, gate: checked(false, false, 1) }],
    })
    expect(d.reasons).toEqual(['verdict failed for a: 1 of 10 items failed and no gate is configured'])
  })
  test('a star metric failing without a gate still fails', () => {
    const verdict = decideVerdict({
      status: 'succeeded',
      errorDescription: null,
      summary: {
        totalItems: 10,
        failedItems: 0,
        erroredItems: 0,
        gate: null,
        star: {
          metric: 'acc',
          value: 0.4,
          passRatePct: null,
          successThreshold: 0.5,
          successThresholdPct: null,
          passed: false,
          rule: 'mean>=successThreshold',
        },
      },
    })
    const d = decideExitCode({
      ...base,
      reason: 'passed',
      suites: [{ name: 'a', failedTests: 0, gate: { kind: 'checked', verdict } }],
    })
    expect(d.exitCode).toBe(1)
  })
  test('non-eval failures, module errors, unhandled errors and bad payloads always fail', () => {
    const suites = [{ name: 'a', failedTests: 1, gate: checked(true) }]
    for (const extra of [
      { nonEvalFailures: 1 },
      { moduleErrors: 1 },
      { unhandledErrors: 2 },
      { invalidPayloads: 1 },
    ]) {
      expect(decideExitCode({ ...base, ...extra, suites }).exitCode).toBe(1)
    }
    expect(decideExitCode({ ...base, reason: 'interrupted', suites }).exitCode).toBe(1)
  })
  test('server errors: fail (default) or warn; unexcused failed items still fail', () => {
    const unchecked = { kind: 'unchecked', gated: true, error: 'cannot reach' } as const
    const fail = decideExitCode({ ...base, suites: [{ name: 'a', failedTests: 0, gate: unchecked }] })
    expect(fail.exitCode).toBe(1)
    const warn = decideExitCode({
      ...base,
      reason: 'passed',
      onServerError: 'warn',
      suites: [{ name: 'a', failedTests: 0, gate: unchecked }],
    })
    expect(warn).toEqual({
      exitCode: 0,
      reasons: [],
      warnings: ['gate of a could not be checked: cannot reach'],
    })
    const warnWithFailures = decideExitCode({
      ...base,
      onServerError: 'warn',
      suites: [{ name: 'a', failedTests: 2, gate: unchecked }],
    })
    expect(warnWithFailures.exitCode).toBe(1)
  })
  test('sharded: a gated suite defers, an ungated one still fails on failed items', () => {
    const gated = decideExitCode({
      ...base,
      suites: [{ name: 'a', failedTests: 2, gate: { kind: 'deferred', gated: true } }],
    })
    expect(gated.exitCode).toBe(0)
    const ungated = decideExitCode({
      ...base,
      suites: [{ name: 'a', failedTests: 2, gate: { kind: 'deferred', gated: false } }],
    })
    expect(ungated.exitCode).toBe(1)
  })
  test('a Vitest failure the reporter cannot explain is kept', () => {
    expect(decideExitCode({ ...base, suites: [] }).exitCode).toBe(1)
    expect(decideExitCode({ ...base, reason: 'passed', previousExitCode: undefined }).exitCode).toBe(0)
  })
})

describe('run group', () => {
  test('explicit, CI ids, generated', () => {
    expect(resolveRunGroup({ EVALGATE_RUN_GROUP: ' nightly-7 ', GITHUB_RUN_ID: '1' })).toEqual({
      id: 'nightly-7',
      source: 'EVALGATE_RUN_GROUP',
    })
    expect(resolveRunGroup({ GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2' }).id).toBe('github-42-2')
    expect(resolveRunGroup({ CI_PIPELINE_ID: '9' }).id).toBe('gitlab-9')
    expect(resolveRunGroup({ BUILDKITE_BUILD_ID: 'b' }).id).toBe('buildkite-b')
    expect(resolveRunGroup({ CIRCLE_WORKFLOW_ID: 'c' }).id).toBe('circleci-c')
    const a = resolveRunGroup({})
    expect(a.source).toBe('generated')
    expect(a.id).not.toBe(resolveRunGroup({}).id)
  })
  test('watch reruns get their own group', () => {
    const g = { id: 'g', source: 'generated' }
    expect(rerunGroup(g, 1).id).toBe('g')
    expect(rerunGroup(g, 3).id).toBe('g#3')
  })
})

describe('gate defaults', () => {
  test('the suite wins per key and per metric', () => {
    expect(
      mergeGate(
        { passRate: 0.8, maxCostUsd: 1, metrics: { a: { mean: 0.5, min: 0.1 }, b: { mean: 0.3 } } },
        { passRate: 0.9, metrics: { a: { mean: 0.7 } } },
      ),
    ).toEqual({ passRate: 0.9, maxCostUsd: 1, metrics: { a: { mean: 0.7, min: 0.1 }, b: { mean: 0.3 } } })
    expect(mergeGate(undefined, null)).toBeNull()
    expect(mergeGate({ passRate: 0.5 }, null)).toEqual({ passRate: 0.5 })
  })
  test('suite keys: equal definitions, equal keys (key order does not matter)', () => {
    const a = SuiteDefSchema.parse(makeSuite('s'))
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v
    const b = reversed(a) as typeof a
    expect(JSON.stringify(b)).not.toBe(JSON.stringify(a))
    expect(suiteKey(a)).toBe(suiteKey(b))
    expect(suiteKey(a)).not.toBe(suiteKey({ ...a, gate: { passRate: 0.5 } }))
  })
})

describe('outbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evalgate-outbox-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const header = { runGroup: 'g1', suite: SuiteDefSchema.parse(makeSuite('s1')), origin: 'vitest' }

  test('appends, reads back in batches, keeps one header', async () => {
    const outbox = new Outbox(join(dir, 'a'))
    const file = outbox.append(header, [makeItem(0), makeItem(1)])
    expect(outbox.append(header, [makeItem(2)])).toBe(file)
    expect(outbox.append(header, [])).toBe(file)
    const batches: number[] = []
    let suiteName = ''
    const { items } = await outbox.read(
      file,
      { batchSize: 2 },
      async (h) => {
        suiteName = h.suite.name
      },
      async (batch) => {
        batches.push(batch.length)
      },
    )
    expect({ items, batches, suiteName }).toEqual({ items: 3, batches: [2, 1], suiteName: 's1' })
    expect(outbox.list()).toEqual([file])
    outbox.remove(file)
    expect(outbox.list()).toEqual([])
  })

  test('bad lines anywhere (a torn last line too) are reported with file, line and field; reading goes on', async () => {
    const outbox = new Outbox(join(dir, 'b'))
    const file = outbox.append(header, [makeItem(0)])
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, 2)
    const bad = JSON.stringify({ kind: 'item', item: { ...makeItem(1), latencyMs: -1 } })
    const after = JSON.stringify({ kind: 'item', item: makeItem(2) })
    const torn = '{"kind":"item","item":{"itemId":'
    writeFileSync(file, `${[lines[0], lines[1], bad, 'garbage', after, torn].join('\n')}\n`)
    const rejected: RejectedLine[] = []
    const sent: number[][] = []
    const { items, badLines } = await outbox.read(
      file,
      { batchSize: 10, onBadLine: (b) => rejected.push(b) },
      async () => {},
      async (_batch, at) => {
        sent.push(at.map((l) => l.line))
      },
    )
    expect({ items, badLines, sent }).toEqual({ items: 2, badLines: 3, sent: [[2, 5]] })
    expect(rejected).toEqual([
      {
        source: file,
        line: 3,
        text: bad,
        reason: 'bad item: field `item.latencyMs`: Too small: expected number to be >=0',
      },
      { source: file, line: 4, text: 'garbage', reason: 'not valid JSON' },
      {
        source: file,
        line: 6,
        text: torn,
        reason: 'not valid JSON: a torn last line (the writer stopped mid-line)',
      },
    ])
    // quarantine keeps each line verbatim, with where it came from and why
    const target = outbox.quarantine(file, rejected)
    expect(target).toBe(join(outbox.rejectedDir, basename(file)))
    const report = readFileSync(target, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(report.map((r: RejectedLine) => [r.line, r.text])).toEqual([
      [3, bad],
      [4, 'garbage'],
      [6, torn],
    ])
    expect(outbox.list()).toEqual([file])
  })

  test('a bad header cannot make a run: OutboxError naming file and line', async () => {
    const outbox = new Outbox(join(dir, 'c'))
    const file = outbox.append(header, [makeItem(0)])
    writeFileSync(file, `{"kind":"run"}\n`)
    const error = await outbox
      .read(
        file,
        { batchSize: 10 },
        async () => {},
        async () => {},
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OutboxError)
    expect((error as Error).message).toMatch(new RegExp(`${basename(file)}:1: bad header`))
  })
})

function fakeRun(
  summary: Partial<RunSummary>,
  name = 'faq | <b>x</b>',
  status: Run['status'] = 'succeeded',
): Run {
  return {
    id: 'r1',
    projectId: 'p',
    suiteId: 's',
    suiteName: name,
    suiteVersion: 2,
    runGroup: 'g',
    name: 'n',
    status,
    evaluationStatus: 'completed',
    datasetVersion: 'v',
    turnType: 'single',
    origin: 'vitest',
    errorDescription: null,
    queuedAt: '',
    startedAt: null,
    finishedAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '',
    url: 'http://127.0.0.1:4477/runs/r1',
    summary: withVerdict(
      {
        totalItems: 10,
        completedItems: 10,
        erroredItems: 0,
        passedItems: 8,
        failedItems: 2,
        passRate: 0.8,
        durationMs: 1234,
        totalCostUsd: 0.5,
        meanLatencyMs: 12,
        p95LatencyMs: 30,
        inputTokens: 0,
        outputTokens: 0,
        metrics: [
          {
            name: 'acc',
            count: 10,
            nullCount: 0,
            errorCount: 0,
            mean: 0.8,
            min: 0,
            max: 1,
            passRate: 0.8,
            threshold: 0.5,
            inverted: false,
          },
        ],
        star: null,
        gate: {
          passed: false,
          checks: [
            {
              condition: 'passRate',
              actual: 0.8,
              expected: 0.9,
              op: '>=',
              passed: false,
              message: 'pass rate 0.80 < 0.90',
            },
            {
              condition: 'maxCostUsd',
              actual: 0.5,
              expected: 1,
              op: '<=',
              passed: true,
              message: 'cost 0.5 <= 1',
            },
          ],
        },
        ...summary,
      },
      { status, errorDescription: null },
    ),
  }
}

describe('summary and verdict', () => {
  test('the verdict spells out failing and passing conditions', () => {
    expect(fakeRun({}).summary.verdict).toMatchObject({
      gated: true,
      passed: false,
      failures: ['pass rate 0.80 < 0.90'],
      rule: 'gate:passRate',
      failingItems: 2,
    })
  })
  test('the mark is the verdict: an ungated suite with a timed-out item is ✗, as its exit code says', () => {
    const run = fakeRun({ gate: null, passedItems: 9, failedItems: 0, erroredItems: 1, completedItems: 9 })
    const text = formatTerminalSummary({ run, previous: null, runUrl: 'r1' })
    expect(text).toContain('✗ evalgate')
    expect(text).toContain(
      'no gate; FAILED — 1 of 10 items failed (1 errored or timed out) and no gate is configured',
    )
    const d = decideExitCode({
      ...base,
      suites: [{ name: 'a', failedTests: 1, gate: { kind: 'checked', verdict: run.summary.verdict } }],
    })
    expect(d.exitCode).toBe(1)
  })
  test('terminal summary: counts, metrics with delta, gate, run', () => {
    const run = fakeRun({})
    const previous = fakeRun({ metrics: [{ ...run.summary.metrics[0]!, mean: 0.75 }] })
    const text = formatTerminalSummary({
      run,
      previous,
      runUrl: 'http://x/runs/r1',
    })
    expect(text).toContain('✗ evalgate  faq | <b>x</b> (v2)  10 items: 8 passed, 2 failed  pass rate 80.0%')
    expect(text).toMatch(/acc\s+0\.800\s+\+0\.050\s+0\.000\s+1\.000\s+80\.0%/)
    expect(text).toContain('cost $0.5000 · latency mean 12 ms, p95 30 ms · duration 1234 ms')
    expect(text).toContain('gate: FAILED — pass rate 0.80 < 0.90')
    expect(text).toContain('run:  http://x/runs/r1')
  })
  test('markdown escapes user-controlled names (no table breaks, no HTML)', () => {
    const run = fakeRun({})
    const md = formatMarkdownSummary({
      run,
      previous: null,
      runUrl: 'http://x/runs/r1',
    })
    expect(md).toContain('### ❌ evalgate · faq \\| &lt;b>x&lt;/b> (v2)')
    expect(md).not.toContain('<b>')
    expect(md).toContain('Run [`r1`](http://x/runs/r1)')
  })
})
