/**
 * The Netra evaluation routes driven the way the Netra JS SDK drives them (test/netra/netra-client.ts
 * makes its exact requests), against the real server on loopback, on SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { NetraRunResultSchema } from '../../src/schema/netra.js'
import { nextRunStatus, type RunEvent } from '../../src/server/service/run-status.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'
import { buildDashboard } from '../helpers/ui.js'
import { type Evaluator, NetraTestClient } from './netra-client.js'
import { startNetraServer, type TestServer } from './netra-server.js'

// ---------- the seed's example: a QA task and three local evaluators ----------

const CAPITALS: Record<string, string> = {
  France: 'Paris',
  Japan: 'Tokyo',
  Italy: 'Rome',
  Kenya: 'Nairobi',
  Peru: 'Lima',
}

/** Answers from a table; wrong for Italy, throws for Atlantis (no such country). */
async function answer(input: unknown): Promise<string> {
  const country = String((input as { country: string }).country)
  await new Promise((r) => setTimeout(r, 5))
  if (country === 'Atlantis') throw new Error('unknown country Atlantis')
  if (country === 'Italy') return 'Milan'
  return CAPITALS[country]!
}

const exactMatch: Evaluator = {
  config: { name: 'exact_match', label: 'Exact match', scoreType: 'boolean' },
  evaluate: ({ taskOutput, expectedOutput }) => {
    const ok = taskOutput === expectedOutput
    return { evaluatorName: 'exact_match', result: ok, isPassed: ok, reason: ok ? 'equal' : 'different' }
  },
}

/** Numerical on a 0–10 scale (outside evalgate's [0, 1]): its result is kept verbatim. */
const lengthScore: Evaluator = {
  config: { name: 'length_score', label: 'Answer length', scoreType: 'numerical' },
  evaluate: async ({ taskOutput }) => {
    const score = Math.min(10, String(taskOutput).length)
    return { evaluatorName: 'length_score', result: score, isPassed: score >= 4 }
  },
}

/** Throws on Kenya (the SDK skips it), and answers under the wrong name on Peru (the SDK drops it). */
const politeness: Evaluator = {
  config: { name: 'tone', label: 'Tone', scoreType: 'categorical' },
  evaluate: ({ input }) => {
    const country = (input as { country: string }).country
    if (country === 'Kenya') throw new Error('tone model unavailable')
    return {
      evaluatorName: country === 'Peru' ? 'toneX' : 'tone',
      result: 'neutral',
      isPassed: true,
    }
  },
}

const EVALUATORS = [exactMatch, lengthScore, politeness]

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('run status machine: evaluate', () => {
  const rows: Array<[Parameters<typeof nextRunStatus>[1], RunEvent, string]> = [
    ['queued', 'evaluate', 'evaluating'],
    ['running', 'evaluate', 'evaluating'],
    ['evaluating', 'evaluate', 'evaluating'],
    ['evaluating', 'complete', 'succeeded'],
    ['evaluating', 'items', 'evaluating'],
    // late items with server metrics reopen a finished run (src/server/scoring/)
    ['succeeded', 'evaluate', 'evaluating'],
    ['partially_succeeded', 'evaluate', 'evaluating'],
    ['failed', 'evaluate', 'failed'],
    ['cancelled', 'evaluate', 'cancelled'],
  ]
  test.each(rows)('%s + %s → %s', (from, event, to) => {
    const next = () => nextRunStatus('r1', from, event, () => 'succeeded')
    if (to === '409') expect(next).toThrow(expect.objectContaining({ status: 409, currentStatus: from }))
    else expect(next()).toBe(to)
  })
})

describe.each(DIALECTS)('Netra evaluation API on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: TestServer
  let uiDir: string
  let keyA: string
  let keyB: string
  let dir: string

  beforeAll(async () => {
    uiDir = await buildDashboard()
    dir = mkdtempSync(join(tmpdir(), 'evalgate-netra-'))
    server = await startNetraServer(await dbs.next(), { dashboardDir: uiDir, graceMs: 60_000 })
    const a = await server.services.projects.ensure('team-a')
    const b = await server.services.projects.ensure('team-b')
    keyA = (await server.services.projects.createKey(a.id)).key
    keyB = (await server.services.projects.createKey(b.id)).key
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('the complete example: datasets, items, runTestSuite with local evaluators, N7 before the last N6, results', async () => {
    // the SDK's endpoint variable may carry a base path and /telemetry: both are dropped
    const netra = new NetraTestClient({ endpoint: `${server.url}/telemetry/`, apiKey: keyA })

    // N1 (no turnType from the JS SDK → single)
    const dataset = await netra.createDataset('capitals', ['geo'])
    expect(dataset).toMatchObject({ name: 'capitals', tags: ['geo'], turnType: 'single', deletedAt: null })
    expect(typeof dataset.id).toBe('string')
    expect(dataset.id.length).toBeGreaterThan(0)

    // N2: the caller's camelCase object, unchanged
    const added = []
    for (const country of ['France', 'Japan', 'Italy', 'Atlantis']) {
      added.push(
        await netra.addDatasetItem(dataset.id, {
          input: { country },
          expectedOutput: CAPITALS[country] ?? 'none',
          metadata: { continent: country === 'Japan' ? 'Asia' : 'Europe' },
          tags: ['capital'],
        }),
      )
    }
    expect(added.every((i) => typeof i.id === 'string' && i.id.length > 0)).toBe(true)
    expect(added[0]).toMatchObject({
      datasetId: dataset.id,
      input: { country: 'France' },
      expectedOutput: 'Paris',
      metadata: { continent: 'Europe' },
      tags: ['capital'],
      isActive: true,
    })
    // one item identity: the same content is the same item
    const again = await netra.addDatasetItem(dataset.id, {
      input: { country: 'France' },
      expectedOutput: 'Paris',
    })
    expect(again.id).toBe(added[0].id)

    // N3: an array of items
    const fetched = await netra.getDataset(dataset.id)
    expect(fetched?.items.map((i) => i.id)).toEqual(added.map((i) => i.id))
    expect(fetched?.items[1]).toEqual({
      id: added[1].id,
      datasetId: dataset.id,
      input: { country: 'Japan' },
      expectedOutput: 'Tokyo',
    })

    // runTestSuite: N7 reaches the server before the last N6
    const hold = deferred()
    const suite = await netra.runTestSuite('capitals-run', fetched!, answer, EVALUATORS, 2, {
      holdLocalEvaluations: hold.promise,
      sessionId: 'session-1',
    })
    expect(suite).not.toBeNull()
    const { runId, items } = suite!
    expect(items).toHaveLength(4)
    for (const it of items) expect(typeof it.testRunItemId).toBe('string')
    await suite!.statusPosted

    const waiting = await netra.getRunResults(runId)
    expect(waiting.status).toBe('evaluating')
    expect(waiting.evaluationStatus).toBe('pending')
    expect(waiting.testRunSummary.pendingEvaluations).toBe(3)
    expect(waiting.testRunSummary.verdict.passed).toBeNull()

    hold.resolve()
    await suite!.settled
    const result = await netra.getRunResults(runId)
    expect(NetraRunResultSchema.parse(result)).toBeTruthy()
    // Atlantis threw: a failed item makes the run partially succeed, and the verdict fail
    expect(result.status).toBe('partially_succeeded')
    expect(result.evaluationStatus).toBe('completed')
    expect(result.testRunSummary.passStatus).toBe(false)
    expect(result.datasetId).toBe(dataset.id)
    expect(result.localEvaluators).toEqual([
      { name: 'exact_match', label: 'Exact match', scoreType: 'boolean' },
      { name: 'length_score', label: 'Answer length', scoreType: 'numerical' },
      { name: 'tone', label: 'Tone', scoreType: 'categorical' },
    ])
    const summary = result.testRunSummary
    expect(summary).toMatchObject({
      totalItems: 4,
      completedItems: 3,
      erroredItems: 1,
      passedItems: 2,
      failedItems: 1,
      pendingEvaluations: 0,
      passStatus: false,
    })
    expect(summary.verdict).toMatchObject({
      passed: false,
      rule: 'items:failing',
      failingItems: 2,
      totalItems: 4,
    })
    const byMetric = Object.fromEntries(summary.metrics.map((m: { name: string }) => [m.name, m]))
    expect(byMetric.exact_match).toMatchObject({ count: 3, mean: 2 / 3, passRate: 2 / 3 })
    // 0–10 results: kept verbatim, scored by isPassed (all three answers are 4+ characters)
    expect(byMetric.length_score).toMatchObject({ count: 3, passRate: 1 })
    expect(byMetric.tone).toMatchObject({ count: 3, passRate: 1 })

    const byCountry = Object.fromEntries(
      result.items.map((i: { input: { country: string } }) => [i.input.country, i]),
    )
    expect(byCountry.Italy).toMatchObject({
      status: 'completed',
      taskOutput: 'Milan',
      expectedOutput: 'Rome',
      passed: false,
      datasetItemId: added[2].id,
      itemId: added[2].id,
      sessionId: 'session-1',
    })
    expect(byCountry.Italy.evaluatorResults).toEqual([
      { evaluatorName: 'exact_match', result: false, isPassed: false, reason: 'different' },
      { evaluatorName: 'length_score', result: 5, isPassed: true, reason: null },
      { evaluatorName: 'tone', result: 'neutral', isPassed: true, reason: null },
    ])
    expect(byCountry.Atlantis).toMatchObject({ status: 'failed', taskOutput: null, evaluatorResults: [] })
    // trace id from the body, span id from the traceparent header only
    for (const item of result.items) {
      const local = items.find((i) => i.testRunItemId === item.id)!
      expect(item.traceId).toBe(local.traceId)
      expect(item.spanId).toBe(local.spanId)
    }
    expect(new Set(result.items.map((i: { id: string }) => i.id))).toEqual(
      new Set(items.map((i) => i.testRunItemId)),
    )

    // redirectUrl: the run's url of the native API, which serves the dashboard's run page
    const native = await client(server.url, keyA).get(`/api/v1/runs/${runId}`)
    expect(native.status).toBe(200)
    expect(result.redirectUrl).toBe(native.body.url)
    expect(native.body).toMatchObject({
      status: 'partially_succeeded',
      origin: 'netra-sdk',
      suiteName: 'capitals-run',
    })
    const page = await fetch(result.redirectUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('<main id="app"')

    // N8's envelope
    const raw = await netra.getRunResultsBody(runId)
    expect(raw.status).toBe(200)
    expect(raw.data).toMatchObject({
      success: true,
      error: null,
      meta: { page: 1, perPage: 1000, totalItems: 4 },
    })

    // every request carried both auth headers, reached the origin root and got JSON back
    for (const x of netra.exchanges) {
      expect(x.notJson).toBe(false)
      expect(new URL(x.url).pathname.startsWith('/evaluations/')).toBe(true)
      expect(x.headers['x-api-key']).toBe(keyA)
      expect(x.headers.Authorization).toBe(`Bearer ${keyA}`)
    }
  })

  test('70 identical local items get the content id, then ~2 … ~70 (across lookup batches)', async () => {
    const netra = new NetraTestClient({ endpoint: server.url, apiKey: keyA })
    const data = {
      items: Array.from({ length: 70 }, () => ({ input: 'same question', expectedOutput: 'same' })),
    }
    const suite = await netra.runTestSuite('many-copies', data, () => 'same', [exactMatch])
    await suite!.settled
    const result = await netra.getRunResults(suite!.runId)
    const ids: string[] = result.items.map((i: { itemId: string }) => i.itemId)
    expect(ids).toHaveLength(70)
    const base = ids.find((id) => !id.includes('~'))!
    expect(new Set(ids)).toEqual(new Set([base, ...Array.from({ length: 69 }, (_, i) => `${base}~${i + 2}`)]))
  })

  test('local items: input, expectedOutput and metadata are stored; duplicates stay distinct items', async () => {
    const netra = new NetraTestClient({ endpoint: server.url, apiKey: keyA })
    const data = {
      items: [
        { input: 'What is 2+2?', expectedOutput: '4', metadata: { kind: 'math' } },
        { input: 'What is 2+2?', expectedOutput: '4', metadata: { kind: 'math' } },
        { input: 'Say hi' },
      ],
    }
    const suite = await netra.runTestSuite('local-run', data, (q) => (q === 'Say hi' ? 'hi' : '4'), [
      exactMatch,
    ])
    await suite!.settled
    const result = await netra.getRunResults(suite!.runId)
    expect(result.status).toBe('succeeded')
    expect(result.datasetId).toBeNull()
    expect(result.items).toHaveLength(3)
    const ids = result.items.map((i: { itemId: string }) => i.itemId)
    expect(new Set(ids).size).toBe(3)
    expect(ids.filter((id: string) => id.endsWith('~2'))).toHaveLength(1)
    const math = result.items.find((i: { input: unknown }) => i.input === 'What is 2+2?')
    expect(math).toMatchObject({
      expectedOutput: '4',
      metadata: { kind: 'math' },
      taskOutput: '4',
      datasetItemId: null,
    })
    const hi = result.items.find((i: { input: unknown }) => i.input === 'Say hi')
    // exact_match('hi', undefined) is false: the item fails on its evaluator
    expect(hi).toMatchObject({ expectedOutput: null, passed: false })
    expect(result.testRunSummary.verdict.passed).toBe(false)
  })

  test("the Python SDK's request shapes: nulls for absent fields, turnType, localEvaluators []", async () => {
    const api = client(server.url)
    const headers = { 'x-api-key': keyA, authorization: `Bearer ${keyA}` }
    const ds = await api.raw(
      'POST',
      '/evaluations/dataset',
      { name: 'multi', tags: [], turnType: 'multi' },
      headers,
    )
    expect(ds.body.data).toMatchObject({ name: 'multi', turnType: 'multi', tags: [] })
    const item = await api.raw(
      'POST',
      `/evaluations/dataset/${ds.body.data.id}/items`,
      { input: [{ role: 'user', content: 'hi' }], expectedOutput: null, tags: null, metadata: null },
      headers,
    )
    expect(item.body.data).toMatchObject({ expectedOutput: null, tags: [], metadata: {} })
    const run = await api.raw(
      'POST',
      '/evaluations/test_run',
      { name: 'py-run', datasetId: null, localEvaluators: [] },
      headers,
    )
    expect(run.body.data).toMatchObject({ datasetId: null, localEvaluators: [], status: 'queued' })
    const posted = await api.raw(
      'POST',
      `/evaluations/run/${run.body.data.id}/item`,
      {
        traceId: 'C'.repeat(32),
        sessionId: null,
        input: 'q',
        expectedOutput: null,
        taskOutput: { answer: 42 },
      },
      headers,
    )
    expect(posted.body.data.item).toMatchObject({
      traceId: 'c'.repeat(32),
      spanId: null,
      sessionId: null,
      taskOutput: { answer: 42 },
      expectedOutput: null,
    })
    const done = await api.raw(
      'POST',
      `/evaluations/run/${run.body.data.id}/status`,
      { status: 'completed' },
      headers,
    )
    expect(done.body.data.status).toBe('succeeded')
    const native = await client(server.url, keyA).get(`/api/v1/datasets/${ds.body.data.id}`)
    expect(native.body).toMatchObject({ turnType: 'multi', itemCount: 1 })
  })

  test('50 items of equal content posted at once stay 50 items', async () => {
    const netra = new NetraTestClient({ endpoint: server.url, apiKey: keyA })
    const data = { items: Array.from({ length: 50 }, () => ({ input: 'same', expectedOutput: 'same' })) }
    const suite = await netra.runTestSuite('same-content', data, (x) => x, [exactMatch], 50)
    await suite!.settled
    const result = await netra.getRunResults(suite!.runId)
    expect(result.items).toHaveLength(50)
    expect(new Set(result.items.map((i: { itemId: string }) => i.itemId)).size).toBe(50)
    expect(result.testRunSummary).toMatchObject({ totalItems: 50, passedItems: 50, pendingEvaluations: 0 })
    expect(result.status).toBe('succeeded')
  })

  test('createRun without evaluators (no localEvaluators field) and N7 finish the run at once', async () => {
    const netra = new NetraTestClient({ endpoint: server.url, apiKey: keyA })
    const runId = await netra.createRun('bare-run')
    expect(runId).toEqual(expect.any(String))
    const api = client(server.url, keyA)
    const posted = await api.post(`/evaluations/run/${runId}/item`, { input: 'x', taskOutput: 'y' })
    expect(posted.status).toBe(200)
    const status = await api.post(`/evaluations/run/${runId}/status`, { status: 'completed' })
    expect(status.body).toEqual({ data: { id: runId, status: 'succeeded' } })
    const result = await netra.getRunResults(runId!)
    expect(result).toMatchObject({ status: 'succeeded', evaluationStatus: 'completed', localEvaluators: [] })
    expect(result.testRunSummary.passStatus).toBe(true)
  })

  test('a re-sent item with the same span id replaces it; N7 failed fails the run', async () => {
    const api = client(server.url, keyA)
    const run = (await api.post('/evaluations/test_run', { name: 'retry-run', datasetId: null })).body.data
    const traceparent = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`
    const first = await api.raw(
      'POST',
      `/evaluations/run/${run.id}/item`,
      { input: 'q', taskOutput: 'a1' },
      { traceparent },
    )
    const second = await api.raw(
      'POST',
      `/evaluations/run/${run.id}/item`,
      { input: 'q', taskOutput: 'a2' },
      { traceparent },
    )
    expect(second.body.data.item.id).toBe(first.body.data.item.id)
    expect(second.body.data.item).toMatchObject({
      taskOutput: 'a2',
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
    })
    const failed = await api.post(`/evaluations/run/${run.id}/status`, { status: 'failed' })
    expect(failed.body.data.status).toBe('failed')
    const native = await api.get(`/api/v1/runs/${run.id}`)
    expect(native.body).toMatchObject({ status: 'failed', evaluationStatus: 'completed' })
    expect(native.body.summary.passStatus).toBe(false)
    expect(native.body.summary.totalItems).toBe(1)
  })

  test('project isolation with two keys; a keyless loopback request uses the default project', async () => {
    const a = new NetraTestClient({ endpoint: server.url, apiKey: keyA })
    const dataset = await a.createDataset('private')
    await a.addDatasetItem(dataset.id, { input: 'secret' })
    const runId = await a.createRun('private-run', dataset.id, [])

    const b = client(server.url, keyB)
    for (const [method, path, body] of [
      ['GET', `/evaluations/dataset/${dataset.id}`, undefined],
      ['POST', `/evaluations/dataset/${dataset.id}/items`, { input: 'x' }],
      ['POST', '/evaluations/test_run', { name: 'r', datasetId: dataset.id }],
      ['POST', `/evaluations/run/${runId}/item`, { input: 'x' }],
      [
        'POST',
        `/evaluations/run/${runId}/item/${runId}:1/local-evaluations`,
        { evaluatorResults: [{ evaluatorName: 'e', result: 1, isPassed: true }] },
      ],
      ['POST', `/evaluations/run/${runId}/status`, { status: 'completed' }],
      ['GET', `/evaluations/run/${runId}`, undefined],
    ] as const) {
      const res = await b.raw(method, path, body, { 'x-api-key': keyB })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.body.error).toMatchObject({ code: 'not_found', message: expect.any(String) })
    }
    // untouched: created, no item yet
    expect(await a.getRunResults(runId!)).toMatchObject({ status: 'queued', items: [] })

    // x-api-key alone selects the project too
    const viaHeader = await client(server.url).raw('GET', `/evaluations/dataset/${dataset.id}`, undefined, {
      'x-api-key': keyA,
    })
    expect(viaHeader.status).toBe(200)
    expect(viaHeader.body.data).toHaveLength(1)

    // no key (NETRA_API_KEY unset) on a keyless loopback server: the default project, never a 401
    const keyless = new NetraTestClient({ endpoint: server.url })
    expect(keyless.headers['x-api-key']).toBeUndefined()
    const own = await keyless.createDataset('keyless')
    expect(own?.id).toEqual(expect.any(String))
    const other = await client(server.url).get(`/evaluations/dataset/${dataset.id}`)
    expect(other.status).toBe(404)

    // a wrong key is a 401 in the envelope
    const wrong = await client(server.url, 'egk_wrong').get(`/evaluations/dataset/${dataset.id}`)
    expect(wrong.status).toBe(401)
    expect(wrong.body).toEqual({ error: { message: 'invalid or revoked API key', code: 'unauthorized' } })
  })

  test('every failure is JSON in the envelope, naming the field; accepted data is kept', async () => {
    const api = client(server.url, keyA)
    const run = (
      await api.post('/evaluations/test_run', {
        name: 'bad-input-run',
        localEvaluators: [{ name: 'judge', label: 'Judge', scoreType: 'boolean' }],
      })
    ).body.data
    const dsId = (await api.post('/evaluations/dataset', { name: 'bad-input' })).body.data.id
    const kept = await api.post(`/evaluations/run/${run.id}/item`, { input: 'q', taskOutput: 'a' })
    expect(kept.status).toBe(200)
    const itemId = kept.body.data.item.id
    const scored = await api.post(`/evaluations/run/${run.id}/item/${itemId}/local-evaluations`, {
      evaluatorResults: [{ evaluatorName: 'judge', result: true, isPassed: true, reason: 'fine' }],
    })
    expect(scored.status).toBe(200)

    const cases: Array<[string, string, unknown, number, string, string]> = [
      ['POST', '/evaluations/dataset', { tags: [] }, 400, 'invalid_request', 'name'],
      ['POST', '/evaluations/dataset', { name: 'x', turnType: 'triple' }, 400, 'invalid_request', 'turnType'],
      [
        'POST',
        `/evaluations/dataset/${dsId}/items`,
        { expectedOutput: 'x' },
        400,
        'invalid_request',
        'input',
      ],
      [
        'POST',
        `/evaluations/dataset/${dsId}/items`,
        { input: 'x', metadata: [1] },
        400,
        'invalid_request',
        'metadata',
      ],
      [
        'POST',
        '/evaluations/test_run',
        { name: 'r', localEvaluators: [{ name: 'a' }, { name: 'a' }] },
        400,
        'invalid_request',
        'localEvaluators.1.name',
      ],
      [
        'POST',
        '/evaluations/test_run',
        { name: 'r', localEvaluators: [{ name: 'a', scoreType: 'stars' }] },
        400,
        'invalid_request',
        'localEvaluators.0.scoreType',
      ],
      ['POST', `/evaluations/run/${run.id}/item`, { taskOutput: 'a' }, 400, 'invalid_request', 'input'],
      [
        'POST',
        `/evaluations/run/${run.id}/item`,
        { input: 'q', traceId: 'xyz' },
        400,
        'invalid_request',
        'traceId',
      ],
      [
        'POST',
        `/evaluations/run/${run.id}/item`,
        { input: 'q', status: 'exploded' },
        400,
        'invalid_request',
        'status',
      ],
      [
        'POST',
        `/evaluations/run/${run.id}/item`,
        { datasetItemId: 'nope' },
        400,
        'invalid_request',
        'datasetItemId',
      ],
      [
        'POST',
        `/evaluations/run/${run.id}/item/${itemId}/local-evaluations`,
        {},
        400,
        'invalid_request',
        'evaluatorResults',
      ],
      [
        'POST',
        `/evaluations/run/${run.id}/item/${itemId}/local-evaluations`,
        { evaluatorResults: [{ result: 1 }] },
        400,
        'invalid_request',
        'evaluatorResults.0.evaluatorName',
      ],
      ['POST', `/evaluations/run/${run.id}/status`, { status: 'done' }, 400, 'invalid_request', 'status'],
    ]
    for (const [method, path, body, status, code, field] of cases) {
      const res = await api.raw(method, path, body)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status)
      expect(res.body.error.code).toBe(code)
      expect(res.body.error.path).toBe(field)
      expect(res.body.error.message).toContain(field)
    }

    const notFound: Array<[string, string, unknown]> = [
      ['GET', '/evaluations/dataset/no-such-dataset', undefined],
      ['POST', '/evaluations/test_run', { name: 'r', datasetId: 'no-such-dataset' }],
      ['GET', '/evaluations/run/no-such-run', undefined],
      ['POST', '/evaluations/run/no-such-run/item', { input: 'q' }],
      [
        'POST',
        `/evaluations/run/${run.id}/item/[object Object]/local-evaluations`,
        { evaluatorResults: [{ evaluatorName: 'judge' }] },
      ],
      [
        'POST',
        `/evaluations/run/${run.id}/item/${run.id}:99/local-evaluations`,
        { evaluatorResults: [{ evaluatorName: 'judge' }] },
      ],
      ['POST', '/evaluations/no/such/route', {}],
      ['GET', '/evaluations/no/such/route', undefined],
      ['GET', '/evaluations', undefined],
    ]
    for (const [method, path, body] of notFound) {
      const res = await api.raw(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.headers.get('content-type')).toContain('application/json')
      expect(res.body.error).toEqual({
        message: expect.any(String),
        code: expect.stringMatching(/not_found/),
      })
    }

    const malformed = await api.raw('POST', `/evaluations/run/${run.id}/status`, '{"status":', {
      'content-type': 'application/json',
    })
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.code).toBe('invalid_json')

    // nothing accepted was lost
    const result = (await api.get(`/evaluations/run/${run.id}`)).body.data
    expect(result.items).toHaveLength(1)
    expect(result.items[0].evaluatorResults).toEqual([
      { evaluatorName: 'judge', result: true, isPassed: true, reason: 'fine' },
    ])
  })

  test('a server that requires keys answers 401 in the envelope', async () => {
    const strict = await startNetraServer(await dbs.next(), { requireAuth: true })
    try {
      const none = await client(strict.url).post('/evaluations/dataset', { name: 'x' })
      expect(none.status).toBe(401)
      expect(none.body.error).toMatchObject({
        code: 'unauthorized',
        message: expect.stringContaining('x-api-key'),
      })
      const project = await strict.services.projects.ensure('strict')
      const key = (await strict.services.projects.createKey(project.id)).key
      const netra = new NetraTestClient({ endpoint: strict.url, apiKey: key })
      expect((await netra.createDataset('ok'))?.id).toEqual(expect.any(String))
    } finally {
      await strict.close()
    }
  })

  test('local evaluations never posted: the run leaves `evaluating` after the grace period; late ones are still accepted', async () => {
    const quick = await startNetraServer(await dbs.next(), { graceMs: 300 })
    try {
      const api = client(quick.url)
      const run = (
        await api.post('/evaluations/test_run', {
          name: 'grace-run',
          localEvaluators: [{ name: 'judge', label: 'Judge', scoreType: 'boolean' }],
        })
      ).body.data
      const first = (await api.post(`/evaluations/run/${run.id}/item`, { input: 1, taskOutput: 1 })).body.data
        .item
      const second = (await api.post(`/evaluations/run/${run.id}/item`, { input: 2, taskOutput: 2 })).body
        .data.item
      await api.post(`/evaluations/run/${run.id}/item/${first.id}/local-evaluations`, {
        evaluatorResults: [{ evaluatorName: 'judge', result: true, isPassed: true }],
      })
      const status = await api.post(`/evaluations/run/${run.id}/status`, { status: 'completed' })
      expect(status.body.data.status).toBe('evaluating')
      expect((await api.get(`/api/v1/runs/${run.id}`)).body.status).toBe('evaluating')

      // the grace timer finishes the run without any Netra read
      let native = (await api.get(`/api/v1/runs/${run.id}`)).body
      for (let i = 0; i < 100 && native.status === 'evaluating'; i++) {
        await new Promise((r) => setTimeout(r, 50))
        native = (await api.get(`/api/v1/runs/${run.id}`)).body
      }
      expect(native).toMatchObject({ status: 'succeeded', evaluationStatus: 'completed' })
      expect(native.summary.passStatus).toBe(true)
      const settled = (await api.get(`/evaluations/run/${run.id}`)).body.data
      expect(settled.testRunSummary.pendingEvaluations).toBe(1)

      // a late result is stored, and the verdict follows it
      const late = await api.post(`/evaluations/run/${run.id}/item/${second.id}/local-evaluations`, {
        evaluatorResults: [
          { evaluatorName: 'judge', result: false, isPassed: false, reason: 'late and wrong' },
        ],
      })
      expect(late.status).toBe(200)
      const after = (await api.get(`/evaluations/run/${run.id}`)).body.data
      expect(after.testRunSummary).toMatchObject({ pendingEvaluations: 0, passedItems: 1, failedItems: 1 })
      expect(after.testRunSummary.passStatus).toBe(false)
    } finally {
      await quick.close()
    }
  })
})
