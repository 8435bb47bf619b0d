/**
 * Finding 8: unknown fields inside run items were dropped with a 200; Fastify's own errors skipped
 * the `{ error: { message, code } }` envelope; a large batch was parsed in one blocking call.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CHUNKED_PARSE_MIN_CHARS, parseJsonBody } from '../../src/server/http/json-body.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { makeItem, makeSuite } from '../client/items.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

function rawGet(url: string, path: string, headers: Record<string, string> = {}) {
  const u = new URL(url)
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(
        { host: u.hostname, port: u.port, path, headers: { ...headers, connection: 'close' }, agent: false },
        (res) => {
          let body = ''
          res.on('data', (d) => {
            body += d
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
        },
      )
      req.on('error', reject)
      req.end()
    },
  )
}

describe.each(DIALECTS)('strict shapes on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: RunningServer
  let runId: string
  beforeAll(async () => {
    server = await startServer({ db: await dbs.next() })
    runId = (await client(server.url).post('/api/v1/runs', { suite: makeSuite('strict') })).body.run.id
  })
  afterAll(async () => {
    await server?.close()
  })

  test('an unknown field anywhere in a run item is a 400 naming it, nothing stored', async () => {
    const api = client(server.url)
    const typo = { ...makeItem(0), costUSD: 0.5 }
    const res = await api.post(`/api/v1/runs/${runId}/items`, { items: [makeItem(1), typo] })
    expect(res.status).toBe(400)
    expect(res.body.error.path).toBe('items.1')
    expect(res.body.error.message).toContain('costUSD')
    const inScore = makeItem(2)
    ;(inScore.scores[0] as Record<string, unknown>).reasons = 'typo'
    const r2 = await api.post(`/api/v1/runs/${runId}/items`, { items: [inScore] })
    expect(r2.status).toBe(400)
    expect(r2.body.error.message).toContain('reasons')
    const inSuite = await api.post('/api/v1/runs', { suite: { ...makeSuite('x'), gates: {} } })
    expect(inSuite.status).toBe(400)
    expect(inSuite.body.error.message).toContain('gates')
    const inQuery = await api.get('/api/v1/runs?suitename=x')
    expect(inQuery.status).toBe(400)
    expect(inQuery.body.error.message).toContain('suitename')
    expect((await api.get(`/api/v1/runs/${runId}/results`)).body.total).toBe(0)
  })

  test("Fastify's and Node's own errors use the documented envelope", async () => {
    const badEncoding = await rawGet(server.url, '/api/v1/runs/%E0%A4%A')
    expect(badEncoding.status).toBe(400)
    expect(JSON.parse(badEncoding.body).error).toMatchObject({ code: 'invalid_url' })
    const longId = await rawGet(server.url, `/api/v1/runs/${'a'.repeat(1200)}`)
    expect(longId.status).toBe(414)
    expect(JSON.parse(longId.body).error).toMatchObject({ code: 'uri_too_long' })
    expect(longId.headers['x-content-type-options']).toBe('nosniff')
    const midId = await rawGet(server.url, `/api/v1/runs/${'a'.repeat(300)}`)
    expect(midId.status).toBe(400)
    expect(JSON.parse(midId.body).error).toMatchObject({ path: 'id' })
    const headers = await rawGet(server.url, '/api/v1/runs', { 'x-big': 'a'.repeat(20_000) })
    expect(headers.status).toBe(431)
    expect(JSON.parse(headers.body).error).toMatchObject({ code: 'headers_too_large' })
    const gradient = await rawGet(server.url, '/v2/gen-ai/evaluation_runs/%E0%A4%A')
    expect(gradient.status).toBe(400)
    expect(JSON.parse(gradient.body)).toMatchObject({ id: 'bad_request' })
  })

  test('a large batch goes through the sliced parser end to end', async () => {
    const items = Array.from({ length: 300 }, (_, i) =>
      makeItem(i, { output: `${'"]},{['.repeat(10)}${'x'.repeat(15_000)}` }),
    )
    const body = JSON.stringify({ items })
    expect(body.length).toBeGreaterThan(CHUNKED_PARSE_MIN_CHARS)
    const res = await client(server.url).post(`/api/v1/runs/${runId}/items`, { items })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ accepted: 300, inserted: 300 })
    const back = await client(server.url).get(`/api/v1/runs/${runId}/results?perPage=1`)
    expect(back.body.items[0].output).toBe(items[0]!.output)
  })
})

describe('sliced JSON parsing of large bodies', () => {
  const big = (n: number) =>
    JSON.stringify({
      items: Array.from({ length: n }, (_, i) => ({
        s: `q"u\\o[t]e{s},${'é😀'.repeat(50)}\u0000`,
        n: [i, -0.5, 1e21, null, true, { deep: [[[{ x: '}' }]]] }],
        pad: 'y'.repeat(2000),
      })),
    })

  test('gives exactly JSON.parse, yielding to the event loop on the way', async () => {
    const text = big(3000)
    let yields = 0
    const parsed = await parseJsonBody(text, () => {
      yields++
    })
    expect(parsed).toEqual(JSON.parse(text))
    expect(text.length).toBeGreaterThan(CHUNKED_PARSE_MIN_CHARS)
    expect(yields).toBeGreaterThan(0)
  })

  test('anything it does not recognise is left to JSON.parse (same value or same error)', async () => {
    const text = big(600)
    const dupKeys = `${text.slice(0, -2)}],"items":[1]}`
    expect(await parseJsonBody(dupKeys)).toEqual(JSON.parse(dupKeys))
    const trailingComma = `${text.slice(0, -2)},]}`
    await expect(parseJsonBody(trailingComma)).rejects.toThrow(SyntaxError)
    const emptyish = `{"items":[${' '.repeat(CHUNKED_PARSE_MIN_CHARS)}]}`
    expect(await parseJsonBody(emptyish)).toEqual({ items: [] })
    const other = JSON.stringify({ name: 'x'.repeat(CHUNKED_PARSE_MIN_CHARS) })
    expect(await parseJsonBody(other)).toEqual(JSON.parse(other))
  })
})
