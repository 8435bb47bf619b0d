import { describe, expect, it } from 'vitest'
import { metaOf, runFixture, testsOfSuite } from './describe-eval-harness.js'

// Items start in their suite's beforeAll; these check what that must not break (see
// src/vitest/README.md, "Eager start").
describe('eager start (fixture describe-eager)', () => {
  it('runs an item afresh when Vitest retries its test', async () => {
    const run = await runFixture('describe-eager', ['--retry=1', 'evals/retry.eval.ts'])
    expect(run.code).toBe(0)
    const tests = testsOfSuite(run, 'flaky')
    expect(tests.map((t) => `${t.title}: ${t.status}`)).toEqual([
      '#0 a: passed',
      '#1 b: passed',
      '#2 c: passed',
    ])
    // The recorded result is the retry's (second call), not the pre-started first one.
    expect(tests.map((t) => (metaOf(t).result.output as { call: number }).call)).toEqual([2, 2, 2])
  })

  it('starts only the items whose test is selected (-t)', async () => {
    const run = await runFixture('describe-eager', ['-t', 'item[13]$', 'evals/filter.eval.ts'])
    expect(run.code).toBe(0)
    expect(testsOfSuite(run, 'filtered').map((t) => `${t.title}: ${t.status}`)).toEqual([
      '#0 item0: skipped',
      '#1 item1: passed',
      '#2 item2: skipped',
      '#3 item3: passed',
      '#4 item4: skipped',
    ])
    const line = run.output.split('\n').find((l) => l.startsWith('EAGER_CALLS '))
    expect(line, run.output).toBe('EAGER_CALLS [1,3]')
  })

  it('aborts pending items when the run is cancelled (--bail), without unhandled rejections', async () => {
    const run = await runFixture('describe-eager', ['--bail=1', 'evals/bail.eval.ts'])
    expect(run.code).toBe(1)
    const statsLine = run.output.split('\n').find((line) => line.startsWith('EAGER_STATS '))
    expect(statsLine, run.output).toBeDefined()
    const stats = JSON.parse(statsLine!.slice('EAGER_STATS '.length)) as {
      started: number[]
      aborted: number[]
    }
    // Item 1 held the only slot when the run was cancelled: aborted, not awaited for 20 s; the
    // queued items 2–5 were never called.
    expect(stats.started).toEqual([0, 1])
    expect(stats.aborted).toEqual([1])
    const tests = testsOfSuite(run, 'bailing')
    expect(tests[0]?.status).toBe('failed')
    // The JSON reporter shows tests cancelled by --bail as "pending".
    expect(tests.slice(2).map((t) => t.status)).toEqual(['pending', 'pending', 'pending', 'pending'])
    expect(run.output).not.toMatch(/unhandled/i)
  })
})
