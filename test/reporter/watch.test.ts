import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { startServer } from '../../src/server/index.js'
import { cleanEnv, FIXTURE, spawnProcess, stateDir } from './helpers.js'

const state = stateDir('evalgate-watch-')
afterAll(() => state.cleanup())

test('watch mode: each rerun of the eval file is a new run with its own summary; other reruns make none', async () => {
  // Initial run, a rerun of everything, a rerun of the unit test file only, a rerun of everything.
  const result = await spawnProcess(
    process.execPath,
    [join(FIXTURE, 'watch-driver.mjs'), 'all', 'tests/unit.test.ts', 'all'],
    {
      cwd: FIXTURE,
      env: cleanEnv({ FIXTURE_STATE_DIR: state.dir, FIXTURE_FAIL: '1', FIXTURE_GATE_PASSRATE: '0.8' }),
    },
  ).done
  expect(result.code, result.output).toBe(0)
  const summaries = result.output.match(/evalgate {2}sums \(v1\) {2}20 items: 19 passed, 1 failed/g) ?? []
  expect(summaries, result.output).toHaveLength(3)
  // the embedded server lives while watching: each summary links to the run's dashboard page
  expect(result.output.match(/run: {2}http:\/\/127\.0\.0\.1:\d+\/runs\/\S+/g) ?? []).toHaveLength(3)

  const server = await startServer({ db: state.db, port: 0 })
  const api = new EvalgateApi({ url: server.url, retries: 0 })
  try {
    const { runs } = await api.runs.list({ suiteName: 'sums' })
    expect(runs, JSON.stringify(runs.map((r) => [r.runGroup, r.summary.totalItems]))).toHaveLength(3)
    expect(runs.every((r) => r.summary.totalItems === 20)).toBe(true)
    const groups = runs.map((r) => r.runGroup).sort()
    const base = groups[0]!
    expect(groups).toEqual([base, `${base}#2`, `${base}#4`])
  } finally {
    await api.close()
    await server.close()
  }
})
