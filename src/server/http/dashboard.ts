/**
 * Serves the dashboard (src/ui, built by Vite into dist/ui at package build time) from memory:
 * hashed assets under /assets/ are immutable, every page path answers with index.html (the app
 * routes in the browser), anything else under the API prefixes stays a JSON 404.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ServiceError } from '../service/errors.js'
import { MAX_PARAM_LENGTH } from './framework-errors.js'

/** Paths the dashboard never answers: APIs keep their JSON errors and their auth. */
const API_PREFIXES = ['/api/', '/v1/', '/v2/', '/evaluations/', '/sdk/', '/telemetry/']

/** Page paths the app knows (src/ui/routes.ts); others get index.html with a 404 status. */
const PAGE_PATH =
  /^\/(?:|runs\/[^/]+(?:\/items\/[^/]+|\/item|\/compare(?:\/[^/]+)?)?|suites\/[^/]+|groups\/[^/]+)\/?$/

/**
 * Content-Security-Policy of every dashboard response. The build emits no inline script or style;
 * data is only ever fetched from this origin.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

interface Asset {
  body: Buffer
  gzip: Buffer | null
  type: string
  immutable: boolean
}

export function isApiPath(pathname: string): boolean {
  return (
    API_PREFIXES.some((p) => pathname.startsWith(p)) ||
    pathname === '/api' ||
    pathname === '/v2' ||
    pathname === '/evaluations'
  )
}

/** GET/HEAD of a non-API path: the dashboard's pages and assets, which need no API key. */
export function isDashboardRequest(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false
  return !isApiPath(url.split('?')[0] ?? url)
}

function moduleDir(): string {
  // also in the CommonJS build: tsup's shims provide import.meta.url there
  return dirname(fileURLToPath(import.meta.url))
}

/**
 * Where the built dashboard is: EVALGATE_UI_DIR, else next to the built server (dist/ui, seen from
 * dist/server/ or a dist/ chunk), else the repository's dist/ui when running from sources.
 */
export function findDashboardDir(): string | undefined {
  const env = process.env.EVALGATE_UI_DIR
  if (env) return env
  const here = moduleDir()
  const candidates = [join(here, 'ui'), join(here, '..', 'ui'), join(here, '..', '..', '..', 'dist', 'ui')]
  return candidates.find((d) => existsSync(join(d, 'index.html')))
}

function listFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out.push(...listFiles(full))
    else out.push(full)
  }
  return out
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  for (const file of listFiles(dir)) {
    const urlPath = `/${relative(dir, file).split(sep).join('/')}`
    const body = readFileSync(file)
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 512
    assets.set(urlPath, {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : null,
      type,
      immutable: urlPath.startsWith('/assets/'),
    })
  }
  return assets
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, status = 200) {
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
  reply
    .status(status)
    .header('content-type', asset.type)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', DASHBOARD_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('vary', 'accept-encoding')
  if (asset.gzip && acceptsGzip) {
    reply.header('content-encoding', 'gzip')
    return reply.send(asset.gzip)
  }
  return reply.send(asset.body)
}

const NOT_BUILT: Asset = {
  body: Buffer.from(
    '<!doctype html><meta charset="utf-8"><title>evalgate</title>' +
      '<p>The evalgate dashboard is not built. Run <code>npm run build</code> in the evalgate package ' +
      '(or set EVALGATE_UI_DIR to a built dashboard). The API is at /api/v1.</p>',
  ),
  gzip: null,
  type: 'text/html; charset=utf-8',
  immutable: false,
}

export interface Dashboard {
  /** Registers the dashboard's GET routes (the API's routes take precedence: they are more specific). */
  register(app: FastifyInstance): void
  /** The app's page with a 404 status, which shows "not found" (e.g. for a malformed URL). */
  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply
}

/** Loads the built dashboard from `dir` (default findDashboardDir()) into memory. */
export function loadDashboard(dir: string | undefined = findDashboardDir()): Dashboard {
  const assets = dir && existsSync(join(dir, 'index.html')) ? loadAssets(dir) : new Map<string, Asset>()
  const index = assets.get('/index.html') ?? NOT_BUILT
  return {
    register: (app) => registerRoutes(app, assets, index),
    notFound: (request, reply) => send(request, reply, index, 404),
  }
}

function registerRoutes(app: FastifyInstance, assets: Map<string, Asset>, index: Asset): void {
  app.get('/*', async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '/'
    if (isApiPath(pathname)) {
      // An API route whose path parameter is too long falls through to this wildcard: say so.
      if (pathname.split('/').some((segment) => segment.length > MAX_PARAM_LENGTH))
        throw new ServiceError(
          414,
          'uri_too_long',
          `a path segment of ${JSON.stringify(pathname.slice(0, 100))}… is longer than ${MAX_PARAM_LENGTH} characters`,
        )
      throw new ServiceError(404, 'route_not_found', `no route ${request.method} ${pathname}`)
    }
    const asset = pathname !== '/index.html' ? assets.get(pathname) : undefined
    if (asset) return send(request, reply, asset)
    if (pathname.startsWith('/assets/')) {
      return reply
        .status(404)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .send(`no such dashboard asset: ${pathname}`)
    }
    return send(request, reply, index, PAGE_PATH.test(pathname) ? 200 : 404)
  })
}
