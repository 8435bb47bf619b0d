/**
 * Content-addressed suite versions through describeEval and the reporter (runTestSuite:
 * test/client/identity.test.ts): a gate changed from 0.8 to 0.95 and back to 0.8 gives v1, v2, v1,
 * and the third run's "Δ prev" compares with the first run (same version), not with nothing.
 */
import { afterAll, describe, expect, test } from 'vitest'
import { runFixture, stateDir } from '../reporter/helpers.js'

describe('describeEval suite versions', () => {
  const state = stateDir('evalgate-suite-version-')
  afterAll(() => state.cleanup())

  test('flipping the gate back reuses the old version and its runs are the "Δ prev" baseline', async () => {
    const runs = []
    for (const [passRate, fail] of [
      ['0.8', '2'],
      ['0.95', '0'],
      ['0.8', '0'],
    ] as const) {
      runs.push(
        await runFixture(
          { FIXTURE_STATE_DIR: state.dir, FIXTURE_GATE_PASSRATE: passRate, FIXTURE_FAIL: fail },
          ['evals/'],
        ),
      )
    }
    const headers = runs.map((r) => /evalgate {2}sums \(v(\d+)\)/.exec(r.output)?.[1])
    expect(headers, runs.map((r) => r.output).join('\n-----\n')).toEqual(['1', '2', '1'])
    // run 1: exact mean 0.900; run 3: 1.000 against run 1 (run 2 is another version)
    expect(runs[2]!.output).toMatch(/exact\s+1\.000\s+\+0\.100/)
    // run 2 is the first of v2: nothing to compare with
    expect(runs[1]!.output).toMatch(/exact\s+1\.000\s+—/)
  }, 240_000)
})
