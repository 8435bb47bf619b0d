import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ApiErrorSchema,
  CreateRunResponseSchema,
  DatasetItemSchema,
  RunCompareSchema,
  RunResultsSchema,
  RunSchema,
} from '../../src/schema/index.js'
import { isLoopbackHostname } from '../../src/server/http/loopback.js'
import { isLoopbackHost, type RunningServer, startServer } from '../../src/server/index.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

describe.each(DIALECTS)('native API on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: RunningServer
  let api: ReturnType<typeof client>
  beforeAll(async () => {
    server = await startServer({ db: await dbs.next(), bodyLimit: 2 * 1024 * 1024 })
    api = client(server.url)
  })
  afterAll(async () => {
    await server?.close()
  })

  test('health needs no key and names the dialect', async () => {
    const res = await api.get('/api/v1/health')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ ok: true, dialect })
  })

  test('datasets: create, add single and bulk items, page, versions', async () => {
    const created = await api.post('/api/v1/datasets', { name: 'faq', tags: ['x'], turnType: 'multi' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name: 'faq', version: 0, itemCount: 0, turnType: 'multi' })
    const id = created.body.id
    const single = await api.post(`/api/v1/datasets/${id}/items`, {
      id: 'a',
      input: [{ role: 'user', content: 'hi' }],
    })
    expect(single.status).toBe(201)
    expect(single.body.dataset.version).toBe(1)
    expect(single.body.items[0]).toMatchObject({ id: 'a', datasetId: id })
    const bulk = await api.post(`/api/v1/datasets/${id}/items`, {
      items: [{ input: 'b', expected: 'B' }, { input: 'c' }, { input: 'd', metadata: { k: 1 } }],
    })
    expect(bulk.body.dataset).toMatchObject({ version: 2, itemCount: 4 })
    const page2 = await api.get(`/api/v1/datasets/${id}/items?page=2&perPage=3`)
    expect(page2.body).toMatchObject({ total: 4, page: 2, perPage: 3 })
    for (const item of page2.body.items) DatasetItemSchema.parse(item)
    expect(page2.body.items.map((i: { input: unknown }) => i.input)).toEqual(['d'])
    expect((await api.get(`/api/v1/datasets/${id}`)).body.contentHash).toBe(bulk.body.dataset.contentHash)
    expect(
      (await api.get(`/api/v1/datasets/${id}/versions`)).body.versions.map(
        (v: { version: number }) => v.version,
      ),
    ).toEqual([2, 1])
    expect((await api.get('/api/v1/datasets')).body.datasets.map((d: { id: string }) => d.id)).toContain(id)
  })

  test('suites, runs, items, finalize, results, compare: the whole flow', async () => {
    const suite = suiteDef({
      name: 'flow',
      gate: { passRate: 0.6, metrics: { accuracy: { mean: 0.5 } } },
      star: { metric: 'accuracy', successThresholdPct: 50 },
    })
    const created = await api.post('/api/v1/runs', { suite, runGroup: 'grp-1' })
    expect(created.status).toBe(201)
    const parsed = CreateRunResponseSchema.parse(created.body)
    expect(parsed.joined).toBe(false)
    const joined = await api.post('/api/v1/runs', { suite, runGroup: 'grp-1' })
    expect(joined.status).toBe(200)
    expect(joined.body).toMatchObject({ joined: true, run: { id: parsed.run.id } })
    const runId = parsed.run.id

    const batch = await api.post(`/api/v1/runs/${runId}/items`, {
      items: [
        itemResult(0),
        itemResult(1, {}, 0.1),
        itemResult(2),
        itemResult(3, {
          status: 'timeout',
          passed: false,
          output: null,
          error: { name: 'TimeoutError', message: 'timed out after 30000 ms' },
          scores: [],
        }),
      ],
    })
    expect(batch.body).toEqual({ accepted: 4, inserted: 4 })
    const again = await api.post(`/api/v1/runs/${runId}/items`, { items: [itemResult(0)] })
    expect(again.body).toEqual({ accepted: 1, inserted: 0 })

    const running = await api.get(`/api/v1/runs/${runId}`)
    expect(running.body).toMatchObject({
      status: 'running',
      evaluationStatus: 'pending',
      summary: { totalItems: 4, passStatus: null },
    })

    const fin = await api.post(`/api/v1/runs/${runId}/finalize`)
    expect(fin.status).toBe(200)
    const run = RunSchema.parse(fin.body)
    expect(run.status).toBe('partially_succeeded')
    expect(run.summary).toMatchObject({
      totalItems: 4,
      passedItems: 2,
      failedItems: 1,
      erroredItems: 1,
      passRate: 0.5,
    })
    expect(run.summary.passStatus).toBe(false)
    expect(run.summary.passRule).toBe('gate:passRate')
    expect(run.summary.gate!.checks[0]!.message).toBe('pass rate 0.50 < 0.60')
    expect(run.summary.star).toMatchObject({ metric: 'accuracy', passRatePct: (2 / 3) * 100, passed: true })
    expect(run.evaluationStatus).toBe('completed')
    const fin2 = await api.post(`/api/v1/runs/${runId}/finalize`, { outcome: 'completed' })
    expect(fin2.body.summary).toEqual(run.summary)

    const results = RunResultsSchema.parse((await api.get(`/api/v1/runs/${runId}/results?perPage=2`)).body)
    expect(results.total).toBe(4)
    expect(results.items.map((i) => i.ordinal)).toEqual([1, 2])
    expect(results.items[0]!.scores.map((s) => s.metric)).toEqual(['accuracy', 'toxicity'])
    const errored = (await api.get(`/api/v1/runs/${runId}/results?status=errored`)).body
    expect(errored.total).toBe(1)
    expect(errored.items[0].error.name).toBe('TimeoutError')
    const byOrdinal = await api.get(`/api/v1/runs/${runId}/items/2`)
    expect(byOrdinal.body).toMatchObject({ itemId: 'item-1', ordinal: 2 })
    expect((await api.get(`/api/v1/runs/${runId}/items/99`)).status).toBe(404)

    // a new version of the suite (gate changed) in another group; compare with the first run
    const suite2 = { ...suite, gate: { passRate: 0.1 } }
    const r2 = (await api.post('/api/v1/runs', { suite: suite2, runGroup: 'grp-2' })).body
    expect(r2.suite.version).toBe(2)
    await api.post(`/api/v1/runs/${r2.run.id}/items`, {
      items: [itemResult(0, {}, 0.2), itemResult(1, {}, 0.9), itemResult(2)],
    })
    const fin3 = await api.post(`/api/v1/runs/${r2.run.id}/finalize`, {})
    expect(fin3.body).toMatchObject({
      status: 'succeeded',
      evaluationStatus: 'completed',
      summary: { passStatus: true, passRule: 'gate' },
    })
    const cmp = await api.get(`/api/v1/runs/${r2.run.id}/compare/${runId}`)
    expect(cmp.status).toBe(200)
    RunCompareSchema.parse(cmp.body)
    expect(cmp.body.newFailures).toEqual([{ itemId: 'item-0', trial: 0 }])
    expect(cmp.body.fixed).toEqual([{ itemId: 'item-1', trial: 0 }])

    // lists
    const suiteId = parsed.suite.id
    expect((await api.get(`/api/v1/suites/${suiteId}`)).body).toMatchObject({ version: 2, totalRuns: 2 })
    expect((await api.get(`/api/v1/suites/${suiteId}?version=1`)).body.gate).toEqual(suite.gate)
    expect((await api.get(`/api/v1/suites/${suiteId}/versions`)).body.suites).toHaveLength(2)
    const v1runs = await api.get(`/api/v1/suites/${suiteId}/runs?version=1`)
    expect(v1runs.body.runs.map((r: { id: string }) => r.id)).toEqual([runId])
    expect((await api.get(`/api/v1/runs?suiteName=flow`)).body.runs).toHaveLength(2)
    expect(
      (await api.get(`/api/v1/runs?suiteId=${suiteId}&suiteVersion=2`)).body.runs.map(
        (r: { id: string }) => r.id,
      ),
    ).toEqual([r2.run.id])
    expect((await api.get('/api/v1/runs?runGroup=grp-1')).body.runs.map((r: { id: string }) => r.id)).toEqual(
      [runId],
    )
    expect((await api.get('/api/v1/suites')).body.suites.map((s: { name: string }) => s.name)).toContain(
      'flow',
    )
    const metrics = (await api.get('/api/v1/metrics')).body.metrics
    expect(metrics.map((m: { name: string }) => m.name)).toEqual(
      expect.arrayContaining(['accuracy', 'toxicity']),
    )
    const upserted = await api.post('/api/v1/suites', suite2)
    expect(upserted.body).toMatchObject({ id: suiteId, version: 2 })
  })

  describe('bad input', () => {
    let runId: string
    beforeAll(async () => {
      runId = (await api.post('/api/v1/runs', { suite: suiteDef({ name: 'bad-input' }) })).body.run.id
    })

    function expectError(
      res: { status: number; body: unknown },
      status: number,
      code: string,
      path?: string,
    ) {
      expect(res.status).toBe(status)
      const err = ApiErrorSchema.parse(res.body)
      expect(err.error.code).toBe(code)
      if (path !== undefined) expect(err.error.path).toBe(path)
      expect(err.error.message.length).toBeGreaterThan(0)
      return err
    }

    test('malformed JSON is a 400', async () => {
      const res = await api.raw('POST', `/api/v1/runs/${runId}/items`, '{"items": [', {
        'content-type': 'application/json',
      })
      expectError(res, 400, 'invalid_json')
    })

    test('a body that is not JSON is a 415', async () => {
      const res = await api.raw('POST', '/api/v1/datasets', 'name=x', { 'content-type': 'text/plain' })
      expectError(res, 415, 'unsupported_media_type')
    })

    test('wrong types and missing fields name the first bad field', async () => {
      const wrongType = await api.post(`/api/v1/runs/${runId}/items`, {
        items: [itemResult(0), itemResult(1, { latencyMs: 'fast' as unknown as number })],
      })
      expectError(wrongType, 400, 'invalid_request', 'items.1.latencyMs')
      const { traceId: _t, ...noTrace } = itemResult(2)
      expectError(
        await api.post(`/api/v1/runs/${runId}/items`, { items: [noTrace] }),
        400,
        'invalid_request',
        'items.0.traceId',
      )
      const badScore = itemResult(3)
      badScore.scores[1]!.score = 7
      expectError(
        await api.post(`/api/v1/runs/${runId}/items`, { items: [badScore] }),
        400,
        'invalid_request',
        'items.0.scores.1.score',
      )
      expectError(await api.post('/api/v1/datasets', { name: '' }), 400, 'invalid_request', 'name')
      expectError(await api.post('/api/v1/datasets', { name: 'x', extra: 1 }), 400, 'invalid_request')
      expectError(await api.post('/api/v1/runs', {}), 400, 'invalid_request', 'suite')
      expectError(await api.get(`/api/v1/runs/${runId}/results?perPage=0`), 400, 'invalid_request', 'perPage')
      expectError(
        await api.get(`/api/v1/runs/${runId}/results?status=weird`),
        400,
        'invalid_request',
        'status',
      )
      expectError(
        await api.post(`/api/v1/runs/${runId}/items`, { items: [] }),
        400,
        'invalid_request',
        'items',
      )
      // nothing of the rejected batches was stored
      expect((await api.get(`/api/v1/runs/${runId}`)).body.summary.totalItems).toBe(0)
    })

    test('unknown ids and routes are 404', async () => {
      expectError(await api.get('/api/v1/runs/nope'), 404, 'not_found')
      expectError(await api.post('/api/v1/runs/nope/items', { items: [itemResult(0)] }), 404, 'not_found')
      expectError(await api.post('/api/v1/runs/nope/finalize'), 404, 'not_found')
      expectError(await api.get('/api/v1/runs/nope/results'), 404, 'not_found')
      expectError(await api.get(`/api/v1/runs/${runId}/compare/nope`), 404, 'not_found')
      expectError(await api.get('/api/v1/suites/nope'), 404, 'not_found')
      expectError(await api.get('/api/v1/suites/nope/runs'), 404, 'not_found')
      expectError(await api.get('/api/v1/datasets/nope'), 404, 'not_found')
      expectError(await api.post('/api/v1/datasets/nope/items', { input: 1 }), 404, 'not_found')
      expectError(await api.get('/api/v1/nothing-here'), 404, 'route_not_found')
    })

    test('oversize bodies are 413', async () => {
      const big = 'x'.repeat(3 * 1024 * 1024)
      const res = await api.post(`/api/v1/runs/${runId}/items`, { items: [itemResult(0, { output: big })] })
      expectError(res, 413, 'payload_too_large')
      expect((await api.get(`/api/v1/runs/${runId}`)).body.summary.totalItems).toBe(0)
    })

    test('SQL metacharacters and odd text are stored and returned verbatim', async () => {
      const nasty = `'; DROP TABLE run_items; -- "x" \\ %_ \u2028 <script>alert(1)</script> 😀`
      const item = itemResult(0, {
        itemId: nasty,
        input: { [nasty]: nasty },
        output: nasty,
        tags: [nasty],
        metadata: { nasty },
      })
      item.scores[0]!.reason = nasty
      const res = await api.post(`/api/v1/runs/${runId}/items`, { items: [item] })
      expect(res.body).toEqual({ accepted: 1, inserted: 1 })
      const back = (await api.get(`/api/v1/runs/${runId}/results`)).body.items[0]
      expect(back.itemId).toBe(nasty)
      expect(back.input).toEqual({ [nasty]: nasty })
      expect(back.output).toBe(nasty)
      expect(back.tags).toEqual([nasty])
      expect(back.scores[0].reason).toBe(nasty)
      const ds = await api.post('/api/v1/datasets', { name: nasty })
      expect((await api.get(`/api/v1/datasets/${ds.body.id}`)).body.name).toBe(nasty)
    })
  })

  test('concurrent batch upserts into one run from several clients: exact counts', async () => {
    const created = await api.post('/api/v1/runs', {
      suite: suiteDef({ name: 'concurrent' }),
      runGroup: 'shards',
    })
    const runId = created.body.run.id
    const clients = Array.from({ length: 6 }, () => client(server.url))
    // 6 clients × 4 batches of 250; batches overlap by 50 items and every batch is sent twice
    const sends: Promise<unknown>[] = []
    for (let c = 0; c < clients.length; c++) {
      for (let b = 0; b < 4; b++) {
        const start = (c * 4 + b) * 200
        const items = Array.from({ length: 250 }, (_, k) => itemResult(start + k))
        sends.push(clients[c]!.post(`/api/v1/runs/${runId}/items`, { items }))
        sends.push(clients[(c + 1) % clients.length]!.post(`/api/v1/runs/${runId}/items`, { items }))
      }
    }
    const responses = (await Promise.all(sends)) as { status: number; body: { inserted: number } }[]
    expect(responses.every((r) => r.status === 200)).toBe(true)
    const expected = 23 * 200 + 250
    expect(responses.reduce((n, r) => n + r.body.inserted, 0)).toBe(expected)
    const joinedRuns = await Promise.all(
      clients.map((c) =>
        c.post('/api/v1/runs', { suite: suiteDef({ name: 'concurrent' }), runGroup: 'shards' }),
      ),
    )
    expect(new Set(joinedRuns.map((r) => r.body.run.id))).toEqual(new Set([runId]))
    await api.post(`/api/v1/runs/${runId}/finalize`)
    const run = (await api.get(`/api/v1/runs/${runId}`)).body
    expect(run.summary.totalItems).toBe(expected)
    const page = (await api.get(`/api/v1/runs/${runId}/results?perPage=1000&page=5`)).body
    expect(page.items.map((i: { ordinal: number }) => i.ordinal)).toEqual(
      Array.from({ length: expected - 4000 }, (_, i) => 4001 + i),
    )
  })
})

describe('auth', () => {
  const dbs = useDatabases('sqlite')
  let server: RunningServer
  let strict: RunningServer
  beforeAll(async () => {
    const db = await dbs.next()
    server = await startServer({ db })
  })
  afterAll(async () => {
    await server?.close()
    await strict?.close()
  })

  test('loopback: keyless requests use the default project; a key selects its own project only', async () => {
    const anon = client(server.url)
    expect((await anon.get('/api/v1/projects/current')).body.name).toBe('default')
    const acme = await anon.post('/api/v1/projects', { name: 'acme' })
    expect(acme.status).toBe(201)
    expect((await anon.post('/api/v1/projects', { name: 'acme' })).status).toBe(409)
    const key = await anon.post(`/api/v1/projects/${acme.body.id}/keys`, {})
    expect(key.status).toBe(201)
    expect(key.body.key).toMatch(/^egk_/)
    const acmeApi = client(server.url, key.body.key)
    expect((await acmeApi.get('/api/v1/projects/current')).body.name).toBe('acme')

    // x-api-key works as well
    const viaHeader = await anon.raw('GET', '/api/v1/projects/current', undefined, {
      'x-api-key': key.body.key,
    })
    expect(viaHeader.body.name).toBe('acme')

    // the default project's run is invisible to acme's key, and vice versa
    const mine = (await anon.post('/api/v1/runs', { suite: suiteDef() })).body
    const theirs = (await acmeApi.post('/api/v1/runs', { suite: suiteDef() })).body
    expect(theirs.suite.id).not.toBe(mine.suite.id)
    for (const path of [
      `/api/v1/runs/${mine.run.id}`,
      `/api/v1/runs/${mine.run.id}/results`,
      `/api/v1/suites/${mine.suite.id}`,
      `/api/v1/runs/${theirs.run.id}/compare/${mine.run.id}`,
    ]) {
      const res = await acmeApi.get(path)
      expect(res.status, path).toBe(404)
    }
    expect((await acmeApi.post(`/api/v1/runs/${mine.run.id}/items`, { items: [itemResult(0)] })).status).toBe(
      404,
    )
    expect((await anon.get(`/api/v1/runs/${theirs.run.id}`)).status).toBe(404)
    expect((await acmeApi.get('/api/v1/runs')).body.runs.map((r: { id: string }) => r.id)).toEqual([
      theirs.run.id,
    ])
    // a project key can neither create projects nor mint keys (test/hardening/keys.test.ts: admin keys)
    expect((await acmeApi.post('/api/v1/projects', { name: 'evil' })).status).toBe(403)
    const defaultId = (await anon.get('/api/v1/projects/current')).body.id
    expect((await acmeApi.post(`/api/v1/projects/${defaultId}/keys`, {})).status).toBe(404)
    expect((await acmeApi.post(`/api/v1/projects/${acme.body.id}/keys`, {})).status).toBe(403)

    // a wrong key is never silently downgraded to the default project
    const bad = await client(server.url, 'egk_wrong').get('/api/v1/runs')
    expect(bad.status).toBe(401)
    expect(bad.body.error.code).toBe('unauthorized')
  })

  test('requireAuth: every request needs a valid key (health excepted)', async () => {
    const db = await dbs.next()
    strict = await startServer({ db, requireAuth: true })
    const anon = client(strict.url)
    expect((await anon.get('/api/v1/health')).status).toBe(200)
    expect((await anon.get('/api/v1/runs')).status).toBe(401)
    expect((await anon.post('/api/v1/runs', { suite: suiteDef() })).status).toBe(401)
    const key = await strict.services.projects.createKey((await strict.services.projects.ensure('team')).id)
    const authed = client(strict.url, key.key)
    expect((await authed.post('/api/v1/runs', { suite: suiteDef() })).status).toBe(201)
  })

  test('a non-loopback bind always requires keys', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '127.1.2.3', '[::1]', '::ffff:127.0.0.2'])
      expect(isLoopbackHost(h), h).toBe(true)
    // a name that starts like a loopback address is a name, and *.localhost resolves as the system
    // resolver decides (browsers map it to loopback; a bind goes through the resolver)
    for (const h of [
      '0.0.0.0',
      '::',
      '10.0.0.5',
      '192.168.1.2',
      'example.com',
      '127.example.com',
      'app.localhost',
    ])
      expect(isLoopbackHost(h), h).toBe(false)
  })

  test("a request's host: loopback hosts and *.localhost names (browsers resolve those to loopback)", () => {
    for (const h of ['localhost', '127.0.0.1', '[::1]', 'app.localhost', 'A.LOCALHOST'])
      expect(isLoopbackHostname(h), h).toBe(true)
    for (const h of ['localhost.example.com', '127.example.com', 'evil.example', '10.0.0.1'])
      expect(isLoopbackHostname(h), h).toBe(false)
  })
})
