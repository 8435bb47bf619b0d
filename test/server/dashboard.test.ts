/** The dashboard's HTTP side: pages, assets, caching, content types, CSP, run URLs, 404s. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { client } from '../helpers/http.js'
import { buildDashboard } from '../helpers/ui.js'

describe('dashboard routes', () => {
  let server: RunningServer
  let dir: string
  let uiDir: string
  beforeAll(async () => {
    uiDir = await buildDashboard()
    dir = mkdtempSync(join(tmpdir(), 'evalgate-dashboard-'))
    server = await startServer({ db: join(dir, 'e.db'), dashboardDir: uiDir })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('/ and every page path answer with index.html, no-cache, a strict CSP', async () => {
    for (const path of [
      '/',
      '/runs/abc',
      '/runs/abc/items/3',
      '/runs/abc/compare',
      '/suites/x',
      '/groups/g',
    ]) {
      const res = await fetch(server.url + path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('no-cache')
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("style-src 'self'")
      expect(csp).not.toContain('unsafe-inline')
      const html = await res.text()
      expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/)
      // no inline script or style in the built page
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(html).not.toMatch(/<style|style="/)
    }
  })

  test('unknown page paths get the app (which shows "not found") with status 404', async () => {
    const res = await fetch(`${server.url}/no/such/page`)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await res.text()).toContain('<main id="app"')
  })

  test('hashed assets: right content type, immutable, gzip when accepted', async () => {
    const files = readdirSync(join(uiDir, 'assets'))
    const js = files.find((f) => f.endsWith('.js'))!
    const css = files.find((f) => f.endsWith('.css'))!
    const plain = await fetch(`${server.url}/assets/${js}`, { headers: { 'accept-encoding': 'identity' } })
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(plain.headers.get('content-encoding')).toBeNull()
    const body = Buffer.from(await plain.arrayBuffer())
    // fetch decodes gzip itself: read the raw bytes through node's http instead
    const { request } = await import('node:http')
    const gz = await new Promise<{ enc: string | undefined; data: Buffer }>((resolve, reject) => {
      request(`${server.url}/assets/${js}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ enc: res.headers['content-encoding'], data: Buffer.concat(chunks) }))
      })
        .on('error', reject)
        .end()
    })
    expect(gz.enc).toBe('gzip')
    expect(gunzipSync(gz.data).equals(body)).toBe(true)
    expect(gz.data.length).toBeLessThan(body.length)
    const cssRes = await fetch(`${server.url}/assets/${css}`)
    expect(cssRes.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect((await fetch(`${server.url}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml')
    const missing = await fetch(`${server.url}/assets/nope.js`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('text/plain; charset=utf-8')
  })

  test('a malformed URL: the app (not found) for pages, a JSON 400 for the API', async () => {
    const page = await fetch(`${server.url}/runs/%E0%A4%A`)
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const res = await client(server.url).get('/api/v1/runs/%E0%A4%A')
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_url')
  })

  test('API paths keep their JSON 404', async () => {
    for (const path of ['/api/v1/nothing-here', '/v2/gen-ai/nothing-here', '/api/v1/runs/x/finalize']) {
      const res = await client(server.url).get(path)
      expect(res.status, path).toBe(404)
      expect(res.body.error.code).toMatch(/not_found/)
    }
  })

  test('every run carries its dashboard url, absolute for the caller', async () => {
    const api = client(server.url)
    const created = await api.post('/api/v1/runs', { suite: suiteDef(), runGroup: 'g-url' })
    const run = created.body.run
    expect(run.url).toBe(`${server.url}/runs/${run.id}`)
    await api.post(`/api/v1/runs/${run.id}/items`, { items: [itemResult(0)] })
    const finalized = await api.post(`/api/v1/runs/${run.id}/finalize`)
    expect(finalized.body.url).toBe(run.url)
    expect((await api.get(`/api/v1/runs/${run.id}`)).body.url).toBe(run.url)
    expect((await api.get(`/api/v1/runs/${run.id}/results`)).body.run.url).toBe(run.url)
    expect((await api.get('/api/v1/runs?runGroup=g-url')).body.runs[0].url).toBe(run.url)
    const page = await fetch(run.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const byKey = await api.get(`/api/v1/runs/${run.id}/item?itemId=item-0`)
    expect(byKey.body).toMatchObject({ itemId: 'item-0', trial: 0, ordinal: 1 })
    expect((await api.get(`/api/v1/runs/${run.id}/item?itemId=nope`)).status).toBe(404)
  })

  test('a public URL, when configured, is the base of run urls', async () => {
    const other = await startServer({
      db: join(dir, 'p.db'),
      dashboardDir: uiDir,
      publicUrl: 'https://evals.example.com/',
    })
    try {
      const created = await client(other.url).post('/api/v1/runs', { suite: suiteDef() })
      expect(created.body.run.url).toBe(`https://evals.example.com/runs/${created.body.run.id}`)
    } finally {
      await other.close()
    }
  })

  test('without built assets, / explains how to build them', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'evalgate-noui-'))
    const other = await startServer({ db: join(dir, 'n.db'), dashboardDir: empty })
    try {
      const res = await fetch(other.url)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('dashboard is not built')
    } finally {
      await other.close()
      rmSync(empty, { recursive: true, force: true })
    }
  })

  test('pages need no key even when the API requires one', async () => {
    const other = await startServer({ db: join(dir, 'a.db'), dashboardDir: uiDir, requireAuth: true })
    try {
      expect((await fetch(`${other.url}/runs/x`)).status).toBe(200)
      expect((await fetch(`${other.url}/api/v1/runs`)).status).toBe(401)
    } finally {
      await other.close()
    }
  })
})
