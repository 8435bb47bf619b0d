/**
 * A Netra test run that names server-side evaluators (`evaluators` on N4, evalgate's extension):
 * the server's judge scores every posted item in the background, the run waits in `evaluating`
 * for it, and the results carry the judge's scores and verdict. Real server, judge stand-in.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { JUDGE_STAND_IN_KEY, type JudgeStandIn, startJudgeStandIn } from '../examples/judge-stand-in.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'
import { heldSpans, itemTrace } from './held-spans.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Envelope {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: wire bodies are checked field by field below
  body: any
}

function client(url: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<Envelope> => {
    const res = await fetch(new URL(path, url), {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: await res.json() }
  }
  return {
    post: (path: string, body: unknown) => call('POST', path, body),
    get: (path: string) => call('GET', path),
  }
}

/** N7 `completed`, then the run's results once it has left `evaluating` (or after 10 s). */
async function completeAndSettle(api: ReturnType<typeof client>, runId: string) {
  await api.post(`/evaluations/run/${runId}/status`, { status: 'completed' })
  let result = (await api.get(`/evaluations/run/${runId}`)).body.data
  for (let i = 0; i < 200 && result.status === 'evaluating'; i++) {
    await sleep(50)
    result = (await api.get(`/evaluations/run/${runId}`)).body.data
  }
  return result
}

describe.each(DIALECTS)('Netra run with server evaluators on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let standIn: JudgeStandIn
  let server: RunningServer

  beforeAll(async () => {
    standIn = await startJudgeStandIn()
    server = await startServer({
      db: await dbs.next(),
      port: 0,
      jobs: { pollMs: 50, retryBaseMs: 50 },
      scoring: {
        judge: { model: 'judge-1', maxRetries: 0, baseURL: standIn.baseUrl, apiKey: JUDGE_STAND_IN_KEY },
        replayMode: 'off',
      },
    })
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    await standIn?.close()
  })

  test('the server judges every item; the run waits for it and the verdict follows the scores', async () => {
    const api = client(server.url)
    const created = await api.post('/evaluations/test_run', {
      name: 'judged-run',
      evaluators: ['factuality'],
    })
    expect(created.status).toBe(200)
    const runId = created.body.data.id as string
    const answers: Array<[string, string, string]> = [
      ['capital of France?', 'Paris', 'Paris'],
      ['capital of Japan?', 'Tokyo', 'Tokyo'],
      ['capital of Italy?', 'Rome', 'Milan'],
    ]
    for (const [input, expectedOutput, taskOutput] of answers) {
      const posted = await api.post(`/evaluations/run/${runId}/item`, { input, expectedOutput, taskOutput })
      expect(posted.status).toBe(200)
    }
    const result = await completeAndSettle(api, runId)
    expect(result.status).toBe('succeeded')
    expect(result.evaluationStatus).toBe('completed')
    const factuality = result.testRunSummary.metrics.find((m: { name: string }) => m.name === 'factuality')
    expect(factuality).toMatchObject({ count: 3, passRate: 2 / 3 })
    // no gate: every item must pass, and Italy's answer does not
    expect(result.testRunSummary.passStatus).toBe(false)
    expect(standIn.requests.length).toBeGreaterThanOrEqual(3)
  })

  test("spans filling an item while the server judges it keep the judge's score", async () => {
    const api = client(server.url)
    const runId = (
      await api.post('/evaluations/test_run', { name: 'judged-spans', evaluators: ['factuality'] })
    ).body.data.id as string
    const spans = heldSpans(server.url)
    const { traceId, spanId } = itemTrace(spans.tracer, 'TestRun.judged-spans', { input: 9, output: 2 })
    // the judge's answer waits while the spans land and fill the item
    const judging = standIn.holdNext()
    const posted = await fetch(new URL(`/evaluations/run/${runId}/item`, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${spanId}-01` },
      body: JSON.stringify({ input: 'capital of France?', expectedOutput: 'Paris', taskOutput: 'Paris' }),
    })
    expect(posted.status).toBe(200)
    await judging.reached
    await spans.flush()
    judging.release()
    const result = await completeAndSettle(api, runId)
    expect(result.status).toBe('succeeded')
    const factuality = result.testRunSummary.metrics.find((m: { name: string }) => m.name === 'factuality')
    expect(factuality).toMatchObject({ count: 1, passRate: 1 })
    expect(result.testRunSummary).toMatchObject({ inputTokens: 9, outputTokens: 2 })
    await spans.shutdown()
  })

  test('an unknown evaluator id is refused, naming it and where it is', async () => {
    const api = client(server.url)
    const refused = await api.post('/evaluations/test_run', {
      name: 'typo-run',
      evaluators: ['factuality', 'corectness'],
    })
    expect(refused.status).toBe(400)
    expect(refused.body.error.path).toBe('evaluators.1')
    expect(refused.body.error.message).toContain('"corectness"')
    const noCriteria = await api.post('/evaluations/test_run', {
      name: 'rubric-run',
      evaluators: [{ id: 'rubric' }],
    })
    expect(noCriteria.status).toBe(400)
    expect(noCriteria.body.error.path).toBe('evaluators.0')
  })
})
