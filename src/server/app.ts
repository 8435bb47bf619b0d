import { createRequire } from 'node:module'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { gradientAuthHook } from './gradient/auth.js'
import { registerGradientRoutes } from './gradient/index.js'
import { authHook } from './http/auth.js'
import { installErrorHandling } from './http/errors.js'
import { registerNativeRoutes } from './routes/native.js'
import { ServiceError } from './service/errors.js'
import type { Services } from './service/index.js'

export const DEFAULT_BODY_LIMIT = 50 * 1024 * 1024

export interface AppOptions {
  /** Require an API key on every request (always true when bound to a non-loopback host). */
  requireAuth?: boolean
  /** Project of keyless requests; defaults to the `default` project (created when missing). */
  defaultProjectId?: string
  logger?: boolean
  /** Maximum request body in bytes (413 above it). */
  bodyLimit?: number
}

/**
 * Routes validate with the zod schemas in their handlers and declare no JSON schemas, so Fastify's
 * JSON-schema compilers (ajv, fast-json-stringify: ~100 module files) would only cost start-up time
 * in every embedded server. They load, from Fastify's own dependencies, if a route ever declares a
 * schema.
 */
function lazySchemaCompilers(): NonNullable<FastifyServerOptions['schemaController']> {
  const fromFastify = () => createRequire(createRequire(import.meta.url).resolve('fastify'))
  return {
    compilersFactory: {
      buildValidator: (...args: unknown[]) => fromFastify()('@fastify/ajv-compiler')()(...args),
      buildSerializer: (...args: unknown[]) =>
        fromFastify()('@fastify/fast-json-stringify-compiler')()(...args),
    },
  }
}

/** Builds the Fastify app (not listening): native API under /api/v1, auth, JSON errors. */
export async function buildApp(services: Services, opts: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT
  // close(): idle keep-alive sockets are closed at once, in-flight requests finish first
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    forceCloseConnections: 'idle',
    schemaController: lazySchemaCompilers(),
  })
  installErrorHandling(app, bodyLimit, opts.logger ?? false)

  // JSON bodies only (anything else is a 415); an empty body is "no body" (POST /finalize).
  app.removeContentTypeParser('text/plain')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    const s = text as string
    if (s.trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(s))
    } catch (err) {
      done(new ServiceError(400, 'invalid_json', `malformed JSON body: ${(err as Error).message}`), undefined)
    }
  })

  const defaultProjectId = opts.defaultProjectId ?? (await services.projects.ensureDefault()).id
  app.decorateRequest('projectId', '')
  app.decorateRequest('keyless', false)
  const auth = authHook(services, { requireAuth: opts.requireAuth ?? false, defaultProjectId })
  const gradientAuth = gradientAuthHook(services, {
    requireAuth: opts.requireAuth ?? false,
    defaultProjectId,
  })
  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/api/v1/health' || req.url.startsWith('/api/v1/health?')) return
    if (req.url.startsWith('/v2/gen-ai/')) return gradientAuth(req, reply)
    await auth(req, reply)
  })

  await app.register(
    async (api) => {
      registerNativeRoutes(api, services, services.store.dialect)
    },
    { prefix: '/api/v1' },
  )
  await registerGradientRoutes(app, services)
  return app
}
