/**
 * Finding 4: a web page must not reach a keyless loopback server (DNS rebinding, CSRF), and
 * presigned URLs must not come from the Host header. Security headers on every response.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { makeSuite } from '../client/items.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field
  body: any
}

/** A request with full control over Host and Origin (fetch would set Host itself). */
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const u = new URL(url)
  return new Promise<Raw>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method, path, headers: { ...headers, connection: 'close' } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => {
          text += d
        })
        res.on('end', () => {
          let parsed: unknown = text
          try {
            parsed = JSON.parse(text)
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe.each(DIALECTS)('browser-safe keyless server on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: RunningServer
  let publicServer: RunningServer
  let projectId: string
  let port: string
  beforeAll(async () => {
    server = await startServer({ db: await dbs.next() })
    publicServer = await startServer({ db: await dbs.next(), publicUrl: 'https://evals.example.com' })
    port = new URL(server.url).port
    projectId = (await send(server.url, 'GET', '/api/v1/projects/current', { host: `127.0.0.1:${port}` }))
      .body.id
  })
  afterAll(async () => {
    await server?.close()
    await publicServer?.close()
  })

  test('a rebound name (foreign Host) can neither read runs nor mint keys', async () => {
    const read = await send(server.url, 'GET', '/api/v1/runs', { host: `evil.example:${port}` })
    expect(read.status).toBe(403)
    expect(read.body.error.code).toBe('forbidden_host')
    expect(read.body.runs).toBeUndefined()
    const mint = await send(server.url, 'POST', `/api/v1/projects/${projectId}/keys`, {
      host: `rebind.evil.example:${port}`,
    })
    expect(mint.status).toBe(403)
    const gradient = await send(server.url, 'GET', '/v2/gen-ai/evaluation_test_cases', {
      host: `evil.example:${port}`,
    })
    expect(gradient.status).toBe(403)
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await send(server.url, 'GET', '/api/v1/runs', { host })).status, host).toBe(200)
    }
  })

  test('a cross-site write (foreign Origin) is refused; the server’s own origin is not', async () => {
    const simple = await send(
      server.url,
      'POST',
      '/api/v1/datasets',
      { host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'text/plain' },
      '{"name":"x"}',
    )
    expect(simple.status).toBe(403)
    expect(simple.body.error.code).toBe('forbidden_origin')
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1.evil.example:${port}`]) {
      const res = await send(
        server.url,
        'POST',
        '/api/v1/datasets',
        { host: `127.0.0.1:${port}`, origin, 'content-type': 'application/json' },
        '{"name":"x"}',
      )
      expect(res.status, origin).toBe(403)
    }
    const own = await send(
      server.url,
      'POST',
      '/api/v1/datasets',
      { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}`, 'content-type': 'application/json' },
      '{"name":"mine"}',
    )
    expect(own.status).toBe(201)
  })

  test('presigned upload URLs come from the bound address or the public URL, never from Host', async () => {
    const body = JSON.stringify({ files: [{ file_name: 'a.csv', file_size: 10 }] })
    const res = await send(
      server.url,
      'POST',
      '/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls',
      { host: `localhost:1`, 'content-type': 'application/json' },
      body,
    )
    expect(res.status).toBe(200)
    expect(res.body.uploads[0].presigned_url.startsWith(`${server.url}/v2/gen-ai/`)).toBe(true)

    const pub = await send(
      publicServer.url,
      'POST',
      '/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls',
      { host: 'evals.example.com', 'content-type': 'application/json' },
      body,
    )
    expect(pub.status).toBe(200)
    expect(pub.body.uploads[0].presigned_url.startsWith('https://evals.example.com/v2/gen-ai/')).toBe(true)
  })

  test('run URLs come from the bound address or the public URL, never from Host', async () => {
    const body = JSON.stringify({ suite: makeSuite('links'), runGroup: 'links' })
    const headers = (host: string) => ({ host, 'content-type': 'application/json' })
    const res = await send(server.url, 'POST', '/api/v1/runs', headers('localhost:1'), body)
    expect(res.status).toBe(201)
    expect(res.body.run.url).toBe(`${server.url}/runs/${res.body.run.id}`)
    // an in-process request (the embedded client's path) names the bound address too
    const injected = await server.dispatch({
      method: 'GET',
      path: `/api/v1/runs/${res.body.run.id}`,
      headers: {},
      body: undefined,
    })
    expect(JSON.parse(injected.text).url).toBe(`${server.url}/runs/${res.body.run.id}`)
    const pub = await send(publicServer.url, 'POST', '/api/v1/runs', headers('evals.example.com'), body)
    expect(pub.status).toBe(201)
    expect(pub.body.run.url).toBe(`https://evals.example.com/runs/${pub.body.run.id}`)
  })

  test('security headers on every response: success, client error, unknown route', async () => {
    const host = `127.0.0.1:${port}`
    for (const [method, path] of [
      ['GET', '/api/v1/health'],
      ['GET', '/api/v1/runs/nope'],
      ['GET', '/nowhere'],
      ['GET', '/v2/gen-ai/evaluation_runs/nope'],
    ] as const) {
      const res = await send(server.url, method, path, { host })
      expect(res.headers['x-content-type-options'], path).toBe('nosniff')
      expect(res.headers['x-frame-options'], path).toBe('DENY')
      expect(res.headers['content-security-policy'], path).toContain("default-src 'none'")
      expect(res.headers['referrer-policy'], path).toBe('no-referrer')
    }
  })
})
