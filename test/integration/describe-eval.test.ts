import { beforeAll, describe, expect, it } from 'vitest'
import { type FixtureRun, metaOf, runFixture, testNamed, testsOfSuite } from './describe-eval-harness.js'

describe('describeEval in a real Vitest run (fixture describe-basic, plugin installed)', () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture('describe-basic')
  })

  it('declares one test per item with stable, meaningful names and exits 1 on failures', () => {
    expect(run.code).toBe(1)
    expect(testsOfSuite(run, 'capitals').map((t) => [t.title, t.status])).toEqual([
      ['#0 france', 'passed'],
      ['#1 japan', 'failed'],
      ['#2 peru', 'passed'],
      // no explicit id: named after its input
      ['#3 Kenya', 'passed'],
    ])
  })

  it('writes a schema-valid meta payload with the suite definition and the item result', () => {
    const japan = metaOf(testNamed(run, 'capitals', '#1 japan'))
    expect(japan.schemaVersion).toBe(1)
    expect(japan.file).toBe('evals/capitals.eval.ts')
    expect(japan.trials).toBe(1)
    expect(japan.suite).toMatchObject({
      name: 'capitals',
      description: 'capital cities',
      dataset: { name: 'capitals', size: 4 },
      turnType: 'single',
      star: { metric: 'exact' },
      gate: { passRate: 0.7, metrics: { exact: { mean: 0.5 } } },
    })
    expect(japan.suite.dataset.version).toMatch(/\S/)
    expect(japan.suite.metrics.map((m) => [m.name, m.threshold])).toEqual([
      ['exact', 1],
      ['length', null],
    ])
    expect(japan.result).toMatchObject({
      itemId: 'japan',
      index: 1,
      trial: 0,
      input: 'Japan',
      expected: 'Tokyo',
      tags: ['asia'],
      metadata: { difficulty: 'easy' },
      status: 'completed',
      output: 'Kyoto \u001b[31mred\u001b[0m',
      error: null,
      passed: false,
      usage: { inputTokens: 5, outputTokens: 2 },
      costUsd: 0.001,
      toolCalls: null,
    })
    expect(japan.result.scores).toMatchObject([
      { metric: 'exact', score: 0, passed: false, threshold: 1, reason: 'got 18 chars' },
      { metric: 'length', score: 1, passed: null, threshold: null },
    ])
    const ids = testsOfSuite(run, 'capitals').map((t) => metaOf(t).result)
    expect(new Set(ids.map((r) => r.spanId)).size).toBe(4)
    expect(new Set(ids.map((r) => r.traceId)).size).toBe(4)
    expect(ids[3]?.itemId).toMatch(/^[0-9a-f]{16}$/)
  })

  it('fails with a message listing the failing evaluator and inert excerpts of input, expected and output', () => {
    const [message] = testNamed(run, 'capitals', '#1 japan').failureMessages
    expect(message).toContain('item #1 "japan" failed 1 of 2 evaluators:')
    expect(message).toContain('✗ exact: score 0, needs >= 1 — "got 18 chars"')
    expect(message).toContain('input:    "Japan"')
    expect(message).toContain('expected: "Tokyo"')
    // The terminal escape in the model output is shown escaped, never emitted raw.
    expect(message).toContain('output:   "Kyoto \\u001b[31mred\\u001b[0m"')
    expect(message).not.toContain('\u001b')
    expect(run.output).not.toContain('\u001b[31mred')
  })

  it("does not let Vitest's testTimeout kill items that wait for a slot", () => {
    const queued = testsOfSuite(run, 'queued')
    expect(queued).toHaveLength(6)
    for (const test of queued) expect(test.status).toBe('passed')
    expect(queued.map((t) => metaOf(t).result.output)).toEqual([0, 2, 4, 6, 8, 10])
  })

  it('records a task that throws as failed, with its error and no evaluator scores', () => {
    const test = testNamed(run, 'failures', '#1 throws')
    expect(test.status).toBe('failed')
    const { result } = metaOf(test)
    expect(result.status).toBe('failed')
    expect(result.output).toBeNull()
    expect(result.error).toMatchObject({ name: 'TypeError', message: 'upstream model returned 500' })
    expect(result.error?.stack).toContain('failures.eval.ts')
    expect(result.scores.map((s) => [s.metric, s.score, s.reason])).toEqual([
      ['judge', null, 'not evaluated: the task failed'],
      ['shouting', null, 'not evaluated: the task failed'],
    ])
    expect(test.failureMessages[0]).toContain(
      'item #1 "throws" failed: the task threw TypeError: upstream model returned 500',
    )
  })

  it('times an item out from slot acquisition and aborts its signal', () => {
    const test = testNamed(run, 'failures', '#2 slow')
    expect(test.status).toBe('failed')
    const { result } = metaOf(test)
    expect(result.status).toBe('timeout')
    expect(result.error).toMatchObject({ name: 'EvalTimeoutError' })
    // The limit is counted by the engine, so the latency recorded is at least about the limit.
    expect(result.latencyMs).toBeGreaterThan(250)
    expect(test.failureMessages[0]).toContain('item #2 "slow" timed out: task timed out after 300 ms')
  })

  it('turns a throwing thresholded evaluator into a null score with its error, failing the item', () => {
    const test = testNamed(run, 'failures', '#3 judge-crash')
    expect(test.status).toBe('failed')
    const { result } = metaOf(test)
    expect(result.status).toBe('completed')
    expect(result.scores[0]).toMatchObject({
      metric: 'judge',
      score: null,
      passed: false,
      error: 'judge exploded',
    })
    expect(result.scores[1]).toMatchObject({ metric: 'shouting', score: 0 })
    expect(test.failureMessages[0]).toContain('✗ judge: error: "judge exploded"')
  })

  it('keeps an item whose informational evaluator threw passing, with the error recorded', () => {
    const test = testNamed(run, 'failures', '#4 info-crash')
    expect(test.status).toBe('passed')
    expect(metaOf(test).result.scores[1]).toMatchObject({
      metric: 'shouting',
      score: null,
      passed: null,
      error: 'info exploded',
    })
  })

  it('fails an item whose output cannot be serialised, without crashing the run', () => {
    const test = testNamed(run, 'failures', '#5 cycle')
    const { result } = metaOf(test)
    expect(result.status).toBe('failed')
    expect(result.error?.message).toMatch(
      /^the task output is not JSON-serialisable: Converting circular structure/,
    )
    expect(testNamed(run, 'failures', '#0 ok').status).toBe('passed')
  })

  it('truncates long outputs in the failure message but keeps them whole in meta', () => {
    const test = testNamed(run, 'failures', '#6 long-output')
    const [message] = test.failureMessages
    expect(message).toContain('✗ judge: score 0.25, needs >= 0.5 — "far too long"')
    expect(message).toMatch(/output: {3}"x{199}… \(4813 more chars\)/)
    expect(message).not.toContain('TAIL-MARKER')
    expect(metaOf(test).result.output).toMatch(/TAIL-MARKER$/)
  })

  it('rejects an evaluator score of NaN as an evaluator error naming the evaluator', () => {
    const test = testNamed(run, 'failures', '#7 nan-score')
    expect(test.status).toBe('failed')
    const [judge] = metaOf(test).result.scores
    expect(judge).toMatchObject({ metric: 'judge', score: null, passed: false })
    expect(judge?.error).toMatch(/evaluator "judge" returned NaN/)
    expect(test.failureMessages[0]).toMatch(/✗ judge: error: "evaluator \\"judge\\" returned NaN/)
  })

  it("applies the plugin's default item timeout to suites that set none", () => {
    const test = testNamed(run, 'plugin-timeout', '#0 hang')
    expect(metaOf(test).result.status).toBe('timeout')
    expect(test.failureMessages[0]).toContain('timed out: task timed out after 2000 ms')
  })

  it('runs each item once per trial, named and reported per trial', () => {
    const tests = testsOfSuite(run, 'trials')
    expect(tests.map((t) => t.title)).toEqual([
      '#0 a [trial 1/3]',
      '#0 a [trial 2/3]',
      '#0 a [trial 3/3]',
      '#1 b [trial 1/3]',
      '#1 b [trial 2/3]',
      '#1 b [trial 3/3]',
    ])
    const results = tests.map((t) => metaOf(t))
    expect(results.every((m) => m.trials === 3)).toBe(true)
    expect(results.map((m) => [m.result.itemId, m.result.trial])).toEqual([
      ['a', 0],
      ['a', 1],
      ['a', 2],
      ['b', 0],
      ['b', 1],
      ['b', 2],
    ])
    // Each trial really ran the task again (6 distinct calls) and is judged on its own output.
    const calls = results.map((m) => (m.result.output as { call: number }).call)
    expect(new Set(calls).size).toBe(6)
    for (const [i, test] of tests.entries()) {
      expect(test.status).toBe(calls[i]! % 2 === 0 ? 'passed' : 'failed')
    }
    expect(tests.find((t) => t.status === 'failed')?.failureMessages[0]).toMatch(
      /\(trial \d\/3\) failed 1 of 1 evaluator/,
    )
  })
})

describe('filtering and modes', () => {
  it('-t selects item tests by name; the others are skipped and never run', async () => {
    const run = await runFixture('describe-basic', ['-t', '#1 japan', 'evals/capitals.eval.ts'])
    const ran = run.tests.filter((t) => t.status !== 'skipped')
    expect(ran.map((t) => t.fullName)).toEqual(['capitals #1 japan'])
    expect(run.tests.filter((t) => t.status === 'skipped')).toHaveLength(9)
    expect(run.tests.filter((t) => t.meta.evalgate !== undefined)).toHaveLength(1)
  })

  it('supports describeEval.skip, .only, skipIf, tags and multi-turn datasets', async () => {
    // CI=1 is set for the child: Vitest then rejects .only unless allowed explicitly.
    const run = await runFixture('describe-modes', ['--allowOnly'])
    expect(run.code).toBe(0)
    const statuses = (suite: string) => testsOfSuite(run, suite).map((t) => `${t.title}: ${t.status}`)
    expect(statuses('skipped')).toEqual(['#0 tokyo: skipped', '#1 lima: skipped', '#2 osaka: skipped'])
    expect(statuses('skip-if-true')).toEqual(['#0 tokyo: skipped', '#1 lima: skipped', '#2 osaka: skipped'])
    expect(statuses('skip-if-fn-false')).toEqual(['#0 tokyo: passed', '#1 lima: passed', '#2 osaka: passed'])
    // Items keep their dataset index when a tag filter selects them.
    expect(statuses('asia-only')).toEqual(['#0 tokyo: passed', '#2 osaka: passed'])
    expect(metaOf(testsOfSuite(run, 'asia-only')[0]!).suite.dataset.size).toBe(2)
    expect(statuses('focused')).toEqual(['#0 x: passed'])
    expect(statuses('not-focused')).toEqual(['#0 x: skipped'])

    const chat = testsOfSuite(run, 'multi-turn')
    expect(chat.map((t) => t.title)).toEqual(['#0 refund', '#1 Where is my parcel? It is late.'])
    const refund = metaOf(chat[0]!)
    expect(refund.suite.turnType).toBe('multi')
    expect(refund.result.output).toEqual({ role: 'assistant', content: 'You asked: Can I return my order?' })
  })
})
