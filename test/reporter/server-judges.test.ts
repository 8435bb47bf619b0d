/**
 * describeEval with a server-side evaluator, run by a spawned `vitest run`: the embedded server
 * scores the uploaded items with its judge (the local stand-in), the reporter waits for it and the
 * verdict includes the server's scores.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { openStore } from '../../src/store/open.js'
import { JUDGE_STAND_IN_KEY, type JudgeStandIn, startJudgeStandIn } from '../examples/judge-stand-in.js'
import { REPO, runFixture, stateDir } from './helpers.js'

const FIXTURE = join(REPO, 'test/fixtures/server-judges')
let standIn: JudgeStandIn
beforeAll(async () => {
  standIn = await startJudgeStandIn()
})
afterAll(async () => {
  await standIn.close()
})

function judgeEnv(state: string, passRate: string) {
  return {
    FIXTURE_STATE_DIR: state,
    FIXTURE_GATE_PASSRATE: passRate,
    EVALGATE_JUDGE_MODEL: 'judge-1',
    OPENAI_BASE_URL: standIn.baseUrl,
    OPENAI_API_KEY: JUDGE_STAND_IN_KEY,
    EVALGATE_REPLAY: 'off',
  }
}

test('the reporter waits for the server judge; its scores decide the gate', async () => {
  const state = stateDir('evalgate-server-judges-')
  try {
    const before = standIn.requests.length
    const failing = await runFixture(judgeEnv(state.dir, '0.8'), [], FIXTURE)
    expect(failing.output).toContain("evalgate: waiting for the server's evaluators on capitals")
    expect(failing.output).toMatch(/gate failed for capitals: pass rate 0\.75 < 0\.80/)
    expect(failing.code).toBe(1)
    // one judge call per item, none from the Vitest workers
    expect(standIn.requests.length - before).toBe(4)

    const passing = await runFixture(judgeEnv(state.dir, '0.7'), [], FIXTURE)
    expect(passing.output).toContain("evalgate: waiting for the server's evaluators on capitals")
    expect(passing.code).toBe(0)

    const store = await openStore(state.db)
    try {
      const scores = await store.db
        .selectFrom('scores')
        .select(['metric', 'score', 'source'])
        .where('metric', '=', 'correctness')
        .execute()
      expect(scores).toHaveLength(8)
      expect(scores.every((s) => s.source === 'server')).toBe(true)
      expect(scores.filter((s) => s.score === 0)).toHaveLength(2)
    } finally {
      await store.close()
    }
  } finally {
    state.cleanup()
  }
})
