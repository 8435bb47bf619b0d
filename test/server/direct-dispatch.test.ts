import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'

/**
 * The embedded server answers the native API in-process without Fastify (http/direct-dispatch.ts).
 * Every answer must be the one Fastify gives over HTTP for the same request, byte for byte, and
 * Fastify must not load while only native requests arrive.
 */
describe('embedded server: native requests served without Fastify', () => {
  let dir: string
  let server: RunningServer
  const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' }

  const direct = (method: string, path: string, body?: unknown) =>
    server.dispatch({
      method,
      path,
      headers: body === undefined ? { accept: 'application/json' } : JSON_HEADERS,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
  const overHttp = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : JSON_HEADERS,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    return { status: res.status, text: await res.text() }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evalgate-direct-'))
    server = await startServer({ db: join(dir, 'evalgate.db'), httpApp: 'first-request' })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('a run created, filled, finalized and read in-process: Fastify never loads', async () => {
    expect(server.httpAppLoaded).toBe(false)
    const created = await direct('POST', '/api/v1/runs', { suite: suiteDef(), runGroup: 'g1' })
    expect(created.status).toBe(201)
    const runId = JSON.parse(created.text).run.id as string
    expect(JSON.parse(created.text).run.url).toBe(`${server.url}/runs/${runId}`)
    const added = await direct('POST', `/api/v1/runs/${runId}/items`, {
      items: [itemResult(0), itemResult(1, {}, 0.1)],
    })
    expect(added.status).toBe(200)
    expect(JSON.parse(added.text)).toMatchObject({ inserted: 2 })
    expect((await direct('POST', `/api/v1/runs/${runId}/finalize`)).status).toBe(200)
    const results = await direct('GET', `/api/v1/runs/${runId}/results?perPage=1&page=2`)
    expect(results.status).toBe(200)
    expect(JSON.parse(results.text).items).toHaveLength(1)
    const missing = await direct('GET', '/api/v1/runs/no-such-run')
    expect(missing.status).toBe(404)
    expect(server.httpAppLoaded).toBe(false)
  })

  test('the same requests answered over HTTP (Fastify) give the same status and body', async () => {
    const created = await direct('POST', '/api/v1/runs', {
      suite: suiteDef({ name: 'same' }),
      runGroup: 'g2',
    })
    const runId = JSON.parse(created.text).run.id as string
    await direct('POST', `/api/v1/runs/${runId}/items`, { items: [itemResult(0), itemResult(1)] })
    const requests: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/health'],
      ['GET', `/api/v1/runs/${runId}`],
      ['GET', `/api/v1/runs/${runId}/results`],
      ['GET', `/api/v1/runs/${runId}/results?status=passed&perPage=1`],
      ['GET', `/api/v1/runs/${runId}/item?itemId=item-1`],
      ['GET', `/api/v1/runs/${runId}/items/2`],
      ['GET', '/api/v1/runs?suiteName=same&limit=5'],
      ['GET', '/api/v1/runs?suiteName=same+suite&limit=5'],
      ['GET', '/api/v1/runs?limit=5&limit=6'],
      ['GET', '/api/v1/runs?limit=0'],
      ['GET', '/api/v1/runs/no-such-run'],
      ['GET', `/api/v1/runs/${runId}/items/0`],
      ['GET', '/api/v1/suites'],
      ['GET', '/api/v1/datasets'],
      ['GET', '/api/v1/evaluators'],
      // joins the run (200): the same run either way
      ['POST', '/api/v1/runs', { suite: suiteDef({ name: 'same' }), runGroup: 'g2' }],
      ['POST', '/api/v1/runs', {}],
      ['POST', '/api/v1/runs', '{"suite": '],
      ['POST', `/api/v1/runs/${runId}/items`, { items: [] }],
      ['POST', `/api/v1/runs/${runId}/items`, { items: [{ ...itemResult(5), status: 'weird' }] }],
      ['POST', '/api/v1/projects/default/keys', { scope: 'nope' }],
      ['DELETE', '/api/v1/projects/default/keys/missing'],
    ]
    for (const [method, path, body] of requests) {
      const viaDirect = await direct(method, path, body)
      const viaHttp = await overHttp(method, path, body)
      expect({ path, ...viaDirect }).toEqual({ path, ...viaHttp })
    }
    expect(server.httpAppLoaded).toBe(true)
  })

  test('requests the direct path leaves to Fastify still get Fastify’s answer', async () => {
    const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
      // percent-encoded path segment, an unknown route, an unknown API, a non-JSON body, an Origin
      ['GET', '/api/v1/runs/%zz', {}, undefined],
      ['GET', '/api/v1/nothing-here', {}, undefined],
      ['GET', '/v2/gen-ai/evaluation_runs/none', {}, undefined],
      ['POST', '/api/v1/runs', { 'content-type': 'text/plain' }, 'hello'],
      ['POST', '/api/v1/runs', { 'content-type': 'application/json', origin: 'https://evil.example' }, '{}'],
    ]
    for (const [method, path, headers, body] of cases) {
      const viaDispatch = await server.dispatch({ method, path, headers, body })
      const res = await fetch(`${server.url}${path}`, { method, headers, ...(body ? { body } : {}) })
      expect({ path, ...viaDispatch }).toEqual({ path, status: res.status, text: await res.text() })
      expect(viaDispatch.status).toBeGreaterThanOrEqual(400)
    }
  })
})
