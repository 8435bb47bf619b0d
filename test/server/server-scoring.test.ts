/**
 * Server-side evaluators end to end: a real server (both dialects) with its judge model pointed at
 * the local OpenAI-compatible stand-in, runs uploaded through the real client, scoring in the
 * background through the job queue, and the verdict waiting for it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import type { Run } from '../../src/schema/api.js'
import type { SuiteDefInput } from '../../src/schema/meta.js'
import { type RunningServer, type StartServerOptions, startServer } from '../../src/server/index.js'
import { JUDGE_STAND_IN_KEY, type JudgeStandIn, startJudgeStandIn } from '../examples/judge-stand-in.js'
import { itemResult } from '../helpers/fixtures.js'
import { startGatedJudge } from '../helpers/gated-judge.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const judgedSuite = (over: Partial<SuiteDefInput> = {}): SuiteDefInput => ({
  name: 'server-judged',
  dataset: { name: 'capitals', version: 'v1', size: 4 },
  metrics: [
    { name: 'accuracy', threshold: 0.5 },
    { name: 'correctness', threshold: 0.5, evaluator: { id: 'correctness' } },
    { name: 'tone', evaluator: { id: 'rubric', criteria: 'Answers politely and briefly' } },
  ],
  gate: { passRate: 0.8 },
  ...over,
})

/** Items 0–2 answer their expected text exactly; item 3 does not. All pass the uploaded metric. */
const items = () =>
  [0, 1, 2, 3].map((i) => {
    const it = itemResult(i, { output: i === 3 ? 'something else' : `a${i}` })
    return { ...it, scores: [it.scores[0]!] }
  })

describe.each(DIALECTS)('server-side evaluators on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let standIn: JudgeStandIn
  const servers: RunningServer[] = []
  beforeAll(async () => {
    standIn = await startJudgeStandIn()
  })
  afterAll(async () => {
    await standIn.close()
  })
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  async function serve(judge: { baseURL: string; apiKey: string }, opts: Partial<StartServerOptions> = {}) {
    const server = await startServer({
      db: await dbs.next(),
      jobs: { pollMs: 50, retryBaseMs: 50 },
      scoring: { judge: { model: 'judge-1', maxRetries: 0, ...judge }, replayMode: 'off' },
      ...opts,
    })
    servers.push(server)
    return { server, api: new EvalgateApi({ url: server.url, retries: 0 }) }
  }

  test('scores an uploaded run in the background; a run finalized meanwhile gets its verdict when scoring completes', async () => {
    const proxy = await startGatedJudge(standIn.baseUrl)
    try {
      const { server, api } = await serve({ baseURL: proxy.baseUrl, apiKey: JUDGE_STAND_IN_KEY })
      const before = standIn.requests.length
      const { run } = await api.runs.createOrJoin({ suite: judgedSuite(), runGroup: `g-${dialect}` })
      expect(run.evaluationStatus).toBe('pending')
      await api.runs.addItems(run.id, items())
      await until('the judge calls', async () => (proxy.received() >= 2 ? true : undefined))
      expect((await api.runs.get(run.id)).evaluationStatus).toBe('running')

      const finalized = await api.runs.finalize(run.id, { outcome: 'completed' })
      expect(finalized).toMatchObject({ status: 'evaluating', evaluationStatus: 'running' })
      expect(finalized.summary.passStatus).toBeNull()
      expect(finalized.finishedAt).toBeNull()

      proxy.release()
      const done = await until('the evaluation', async () => {
        const r = await api.runs.get(run.id)
        return r.evaluationStatus === 'running' ? undefined : r
      })
      expect(done).toMatchObject({ status: 'succeeded', evaluationStatus: 'completed' })
      // the uploaded metric passes every item: only the server's correctness fails item 3
      expect(done.summary.passStatus).toBe(false)
      expect(done.summary.verdict.failures).toEqual(['pass rate 0.75 < 0.80'])
      expect(done.summary.passedItems).toBe(3)
      expect(done.finishedAt).not.toBeNull()
      const correctness = done.summary.metrics.find((m) => m.name === 'correctness')
      expect(correctness).toMatchObject({ count: 4, mean: 0.75, passRate: 0.75, errorCount: 0 })
      expect(done.summary.metrics.find((m) => m.name === 'tone')).toMatchObject({ count: 4, mean: 0 })

      const results = await api.runs.results(run.id, { page: 1, perPage: 10 })
      const byItem = new Map(results.items.map((i) => [i.itemId, i]))
      expect(byItem.get('item-3')!.passed).toBe(false)
      expect(byItem.get('item-0')!.passed).toBe(true)
      const scored = byItem.get('item-0')!.scores
      expect(scored.map((s) => s.metric)).toEqual(['accuracy', 'correctness', 'tone'])
      expect(scored[1]).toMatchObject({
        score: 1,
        passed: true,
        threshold: 0.5,
        metadata: { source: 'server', evaluator: 'correctness', model: 'judge-1', choice: 'C' },
      })
      expect(scored[0]!.metadata?.source).toBeUndefined()
      // 4 items × 2 server metrics, the rubric's stored criteria in its prompt
      const calls = standIn.requests.slice(before)
      expect(calls).toHaveLength(8)
      expect(
        calls.filter((c) => JSON.stringify(c.messages).includes('Answers politely and briefly')),
      ).toHaveLength(4)
      expect(await server.services.jobs.counts(run.id)).toEqual({ succeeded: 1 })
    } finally {
      proxy.release()
      await proxy.close()
    }
  })

  test('a reference to an unknown evaluator id is refused with the id named; criteria are required where needed', async () => {
    const { server } = await serve({ baseURL: standIn.baseUrl, apiKey: JUDGE_STAND_IN_KEY })
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { error: { message: string; path?: string } },
      }))
    const unknown = judgedSuite({
      metrics: [{ name: 'x', evaluator: { id: 'sarcasm-detector' } }],
      gate: null,
    })
    const viaRun = await post('/api/v1/runs', { suite: unknown })
    expect(viaRun.status).toBe(400)
    expect(viaRun.body.error.message).toContain('unknown server evaluator "sarcasm-detector"')
    expect(viaRun.body.error.path).toBe('suite.metrics.0.evaluator.id')
    const viaSuite = await post('/api/v1/suites', unknown)
    expect(viaSuite.status).toBe(400)
    expect(viaSuite.body.error.message).toContain('"sarcasm-detector"')
    const noCriteria = await post('/api/v1/suites', {
      ...unknown,
      metrics: [{ name: 'tone', evaluator: { id: 'rubric' } }],
    })
    expect(noCriteria.status).toBe(400)
    expect(noCriteria.body.error.message).toContain('needs criteria')
    const suites = (await (await fetch(`${server.url}/api/v1/suites`)).json()) as { suites: unknown[] }
    expect(suites.suites).toEqual([])

    const catalogue = (await (await fetch(`${server.url}/api/v1/evaluators`)).json()) as {
      evaluators: { id: string }[]
      judgeModel: string | null
    }
    expect(catalogue.judgeModel).toBe('judge-1')
    expect(catalogue.evaluators.map((e) => e.id)).toEqual(
      expect.arrayContaining(['correctness', 'relevance', 'faithfulness', 'rubric']),
    )
    // Gradient test cases reference server metrics by uuid from the metrics catalogue
    const gradient = (await (
      await fetch(`${server.url}/v2/gen-ai/evaluation_metrics`, { headers: { authorization: 'Bearer x' } })
    ).json()) as { metrics: { metric_uuid: string; metric_name: string }[] }
    const serverCorrectness = gradient.metrics.find((m) => m.metric_name === 'server:correctness')
    expect(serverCorrectness).toBeDefined()
    const dataset = await post('/api/v1/datasets', { name: 'capitals' })
    expect(dataset.status).toBe(201)
    const datasetId = (dataset.body as unknown as { id: string }).id
    const created = await fetch(`${server.url}/v2/gen-ai/evaluation_test_cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({
        name: 'tc',
        dataset_uuid: datasetId,
        metrics: [serverCorrectness!.metric_uuid],
      }),
    })
    expect(created.status).toBe(200)
    const { test_case_uuid } = (await created.json()) as { test_case_uuid: string }
    const suite = (await (await fetch(`${server.url}/api/v1/suites/${test_case_uuid}`)).json()) as {
      metrics: unknown[]
    }
    expect(suite.metrics).toEqual([
      expect.objectContaining({ name: 'server:correctness', evaluator: { id: 'correctness' } }),
    ])
  })

  test('a judge that errors: every score keeps the error, the evaluation ends failed, the run never hangs', async () => {
    const { api } = await serve({ baseURL: standIn.baseUrl, apiKey: 'sk-wrong' })
    const { run } = await api.runs.createOrJoin({
      suite: judgedSuite({ name: 'judge-down' }),
      runGroup: `down-${dialect}`,
    })
    await api.runs.addItems(run.id, items())
    await api.runs.finalize(run.id, { outcome: 'completed' })
    const done = await until('the evaluation', async () => {
      const r: Run = await api.runs.get(run.id)
      return r.evaluationStatus === 'running' ? undefined : r
    })
    expect(done).toMatchObject({ status: 'partially_succeeded', evaluationStatus: 'failed' })
    expect(done.summary.metrics.find((m) => m.name === 'correctness')).toMatchObject({
      count: 0,
      errorCount: 4,
    })
    // a thresholded metric that could not be scored fails its items: the gate sees it
    expect(done.summary.passStatus).toBe(false)
    const results = await api.runs.results(run.id, { page: 1, perPage: 10 })
    for (const item of results.items) {
      const s = item.scores.find((x) => x.metric === 'correctness')!
      expect(s).toMatchObject({ score: null, passed: false })
      expect(s.error).toMatch(/answered 401: Incorrect API key provided/)
    }
  })

  test('judge calls go through record/replay: a second server replays them without the judge', async () => {
    const recordings = mkdtempSync(join(tmpdir(), 'evalgate-judge-rec-'))
    try {
      const run = async (judge: { baseURL: string; apiKey: string }, replayMode: 'auto' | 'strict') => {
        const { api } = await serve(judge, {
          scoring: {
            judge: { model: 'judge-1', maxRetries: 0, ...judge },
            replayMode,
            recordingsDir: recordings,
          },
        })
        const { run } = await api.runs.createOrJoin({
          suite: judgedSuite({ name: 'replayed' }),
          runGroup: 'r',
        })
        await api.runs.addItems(run.id, items())
        await api.runs.finalize(run.id, { outcome: 'completed' })
        return until('the evaluation', async () => {
          const r: Run = await api.runs.get(run.id)
          return r.evaluationStatus === 'running' ? undefined : r
        })
      }
      const before = standIn.requests.length
      const recorded = await run({ baseURL: standIn.baseUrl, apiKey: JUDGE_STAND_IN_KEY }, 'auto')
      expect(recorded.evaluationStatus).toBe('completed')
      expect(standIn.requests.length - before).toBe(8)
      expect(readdirSync(recordings)).toEqual(['replayed.jsonl'])
      // strict replay against a judge that would refuse every call: answered from the recordings
      const replayed = await run({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'sk-none' }, 'strict')
      expect(replayed.evaluationStatus).toBe('completed')
      expect(replayed.summary.metrics).toEqual(recorded.summary.metrics)
      expect(standIn.requests.length - before).toBe(8)
    } finally {
      rmSync(recordings, { recursive: true, force: true })
    }
  })

  test('late items of a concluded run are scored too: the run evaluates again and concludes again', async () => {
    const judge = await startGatedJudge(standIn.baseUrl)
    try {
      const { api } = await serve({ baseURL: judge.baseUrl, apiKey: JUDGE_STAND_IN_KEY })
      const { run } = await api.runs.createOrJoin({
        suite: judgedSuite({ name: 'late', gate: { passRate: 0.7 } }),
        runGroup: 'late',
      })
      const all = items()
      const settled = (id: string) =>
        until('the evaluation', async () => {
          const r: Run = await api.runs.get(id)
          return r.evaluationStatus === 'running' ? undefined : r
        })
      judge.release()
      await api.runs.addItems(run.id, all.slice(0, 3))
      await api.runs.finalize(run.id, { outcome: 'completed' })
      const first = await settled(run.id)
      expect(first).toMatchObject({ status: 'succeeded', evaluationStatus: 'completed' })
      expect(first.summary).toMatchObject({ totalItems: 3, passedItems: 3, passStatus: true })
      // a late shard adds the wrong answer while the judge is held
      judge.hold()
      await api.runs.addItems(run.id, all.slice(3))
      const again = await api.runs.get(run.id)
      expect(again).toMatchObject({ status: 'evaluating', evaluationStatus: 'running' })
      expect(again.summary.passStatus).toBeNull()
      judge.release()
      const second = await settled(run.id)
      expect(second).toMatchObject({ status: 'succeeded', evaluationStatus: 'completed' })
      expect(second.summary).toMatchObject({ totalItems: 4, passedItems: 3, passStatus: true })
      expect(second.summary.metrics.find((m) => m.name === 'correctness')).toMatchObject({
        count: 4,
        mean: 0.75,
      })
    } finally {
      judge.release()
      await judge.close()
    }
  })
})
