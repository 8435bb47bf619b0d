import { describe, expect, it } from 'vitest'
import { type FixtureRun, metaOf, runFixture } from './describe-eval-harness.js'

/** The highest in-flight count any task of each suite observed (see the fixtures' in-flight.ts). */
function peaks(run: FixtureRun): Record<string, number> {
  const bySuite: Record<string, number> = {}
  for (const test of run.tests) {
    if (test.meta.evalgate === undefined) continue
    const meta = metaOf(test)
    const peak = (meta.result.output as { peakInFlight: number }).peakInFlight
    bySuite[meta.suite.name] = Math.max(bySuite[meta.suite.name] ?? 0, peak)
  }
  return bySuite
}

describe('concurrency limits (in-flight counters in real Vitest runs)', () => {
  it("with the plugin, each suite's own concurrency is exactly the number of tasks in flight", async () => {
    const run = await runFixture('describe-concurrency')
    expect(run.code).toBe(0)
    expect(run.report.numPassedTests).toBe(63)
    // 12 > Vitest's default maxConcurrency of 5: only reachable because the plugin raised it.
    // plugin-default sets no concurrency: the plugin's `concurrency: 3` applies.
    expect(peaks(run)).toEqual({ four: 4, twelve: 12, 'plugin-default': 3 })
    expect(run.output).not.toContain('[evalgate]')

    const probe = run.tests.find((t) => t.title === 'probe')
    expect(probe?.meta.probe).toMatchObject({
      // The plugin's default testTimeout, as the config sets none.
      testTimeout: 60_000,
      settings: { plugin: true, concurrency: 3, timeout: null },
    })
  })

  it("without the plugin, each suite's concurrency governs too, above Vitest's maxConcurrency of 5", async () => {
    const run = await runFixture('describe-noplugin')
    expect(run.code).toBe(0)
    expect(run.report.numPassedTests).toBe(60)
    expect(peaks(run)).toEqual({ four: 4, eight: 8, ten: 10 })
    expect(run.output).not.toContain('[evalgate]')
  })
})
