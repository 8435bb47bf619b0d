import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { describeApiError, EvalgateApiError } from '../../src/client/errors.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { makeItem, makeSuite } from './items.js'

let dir: string
let server: RunningServer
let api: EvalgateApi

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-client-'))
  server = await startServer({ db: join(dir, 'evalgate.db'), port: 0 })
  api = new EvalgateApi({ url: server.url, retries: 0 })
})

afterAll(async () => {
  await api?.close()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('native API through the client (real server)', () => {
  test('create, join, upload twice, finalize: counts are exact and the summary matches the upload', async () => {
    const suite = makeSuite('client-basic')
    const created = await api.runs.createOrJoin({ suite, runGroup: 'g1' })
    expect(created.joined).toBe(false)
    const joined = await api.runs.createOrJoin({ suite, runGroup: 'g1' })
    expect(joined.joined).toBe(true)
    expect(joined.run.id).toBe(created.run.id)

    const items = Array.from({ length: 10 }, (_, i) => makeItem(i, { passed: i < 8 }))
    await api.runs.addItems(created.run.id, items.slice(0, 6))
    await api.runs.addItems(created.run.id, items.slice(4)) // overlap: idempotent
    const run = await api.runs.finalize(created.run.id)
    expect(run.summary.totalItems).toBe(10)
    expect(run.summary.passedItems).toBe(8)
    expect(run.summary.failedItems).toBe(2)
    expect(run.summary.totalCostUsd).toBeCloseTo(0.01, 10)
    const exact = run.summary.metrics.find((m) => m.name === 'exact')
    expect(exact?.mean).toBeCloseTo(0.8, 10)

    const results = await api.runs.results(run.id, { perPage: 4, page: 3 })
    expect(results.total).toBe(10)
    expect(results.items).toHaveLength(2)

    const listed = await api.runs.list({ suiteName: 'client-basic', runGroup: 'g1' })
    expect(listed.runs.map((r) => r.id)).toEqual([run.id])
  })

  test('a 4xx is not retried and names the failing field', async () => {
    const bad = { ...makeItem(0), traceId: 'not-hex' }
    const { run } = await api.runs.createOrJoin({ suite: makeSuite('client-bad'), runGroup: 'g2' })
    const error = await api.runs.addItems(run.id, [bad]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EvalgateApiError)
    const e = error as EvalgateApiError
    expect(e.status).toBe(400)
    expect(e.path).toContain('traceId')
    expect(e.endpoint).toBe(`POST /api/v1/runs/${run.id}/items`)
  })

  test('unknown run → 404 EvalgateApiError with the server code', async () => {
    const error = (await api.runs.get('no-such-run').catch((e: unknown) => e)) as EvalgateApiError
    expect(error).toBeInstanceOf(EvalgateApiError)
    expect(error.status).toBe(404)
    expect(error.code).not.toBe('')
  })
})

describe('transport: retries, timeouts, errors', () => {
  let stub: Server
  let stubUrl: string
  let hits = 0
  let mode: 'flaky' | 'always500' | 'always400' | 'slow' | 'html' = 'flaky'

  beforeAll(async () => {
    stub = createServer((_req, res) => {
      hits++
      if (mode === 'slow') {
        setTimeout(() => res.end('{"ok":true,"version":"x","dialect":"sqlite"}'), 2_000).unref()
        return
      }
      if (mode === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not an api</html>')
        return
      }
      if (mode === 'always400' || (mode === 'flaky' && hits > 2)) {
        const status = mode === 'always400' ? 400 : 200
        const body =
          status === 400
            ? { error: { message: 'bad thing', code: 'validation_error', path: 'items.0.x' } }
            : { ok: true, version: 'x', dialect: 'sqlite' }
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
        return
      }
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'try later', code: 'unavailable' } }))
    })
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve))
    stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    stub.closeAllConnections()
    await new Promise((resolve) => stub.close(resolve))
  })

  test('5xx is retried with backoff until it succeeds', async () => {
    mode = 'flaky'
    hits = 0
    const client = new EvalgateApi({ url: stubUrl, retries: 3, retryDelayMs: 5 })
    const health = await client.health()
    expect(health.ok).toBe(true)
    expect(hits).toBe(3)
    await client.close()
  })

  test('5xx after the last retry surfaces the server message', async () => {
    mode = 'always500'
    hits = 0
    const client = new EvalgateApi({ url: stubUrl, retries: 2, retryDelayMs: 5 })
    const error = (await client.health().catch((e: unknown) => e)) as EvalgateApiError
    expect(error.status).toBe(503)
    expect(error.code).toBe('unavailable')
    expect(hits).toBe(3)
    await client.close()
  })

  test('4xx is never retried', async () => {
    mode = 'always400'
    hits = 0
    const client = new EvalgateApi({ url: stubUrl, retries: 5, retryDelayMs: 5 })
    const error = (await client.health().catch((e: unknown) => e)) as EvalgateApiError
    expect(error.status).toBe(400)
    expect(error.path).toBe('items.0.x')
    expect(hits).toBe(1)
    await client.close()
  })

  test('a response that does not match its schema is a BAD_RESPONSE error', async () => {
    mode = 'html'
    const client = new EvalgateApi({ url: stubUrl, retries: 0 })
    const error = (await client.health().catch((e: unknown) => e)) as EvalgateApiError
    expect(error.code).toBe('BAD_RESPONSE')
    await client.close()
  })

  test('a slow server times out', async () => {
    mode = 'slow'
    hits = 0
    const client = new EvalgateApi({ url: stubUrl, retries: 1, retryDelayMs: 5, timeoutMs: 200 })
    const error = (await client.health().catch((e: unknown) => e)) as EvalgateApiError
    expect(error.isConnectionError).toBe(true)
    expect(error.message).toContain('no answer within 200 ms')
    expect(hits).toBe(2)
    await client.close()
  })

  test('connection refused: retried, then one line naming the URL and its source', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const client = new EvalgateApi({ url: `http://127.0.0.1:${port}`, retries: 2, retryDelayMs: 5 })
    const error = await client.health().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EvalgateApiError)
    const line = describeApiError(error, { urlSource: 'EVALGATE_URL' })
    expect(line).toBe(
      `cannot reach the evalgate server at http://127.0.0.1:${port} (EVALGATE_URL): ${(error as EvalgateApiError).message}`,
    )
    expect((error as EvalgateApiError).code).toBe('ECONNREFUSED')
    await client.close()
  })

  test('an invalid URL is rejected up front', () => {
    expect(() => new EvalgateApi({ url: 'localhost:4000' })).toThrow(/http:\/\/ or https:\/\//)
  })
})

describe('connect()', () => {
  test('a malformed EVALGATE_URL is named in one line', async () => {
    const { connect } = await import('../../src/client/connect.js')
    await expect(connect({ env: { EVALGATE_URL: 'localhost:4477' } })).rejects.toThrow(
      'EVALGATE_URL is not a usable server URL: server URL must start with http:// or https://, got "localhost:4477"',
    )
  })
})
