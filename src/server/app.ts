import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { gradientAuthHook } from './gradient/auth.js'
import { registerGradientRoutes } from './gradient/index.js'
import type { UploadLimits } from './gradient/uploads.js'
import { authHook } from './http/auth.js'
import { browserGuard, SECURITY_HEADERS } from './http/browser-guard.js'
import { isDashboardRequest, loadDashboard } from './http/dashboard.js'
import { installErrorHandling } from './http/errors.js'
import { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from './http/framework-errors.js'
import { DEFAULT_BODY_LIMIT, parseRequestBody } from './http/json-body.js'
import { registerNetra } from './netra/index.js'
import { registerOtlpRoutes } from './otlp/routes.js'
import { registerAgentRoutes } from './routes/agents.js'
import { isPublicApiPath, NATIVE_API_PREFIX, registerNativeRoutes } from './routes/native.js'
import type { Services } from './service/index.js'

export { DEFAULT_BODY_LIMIT }

export interface AppOptions {
  /** Require an API key on every request (always true when bound to a non-loopback host). */
  requireAuth?: boolean
  /** Project of keyless requests; defaults to the `default` project (created when missing). */
  defaultProjectId?: string
  logger?: boolean
  /** Maximum request body in bytes (413 above it). */
  bodyLimit?: number
  /**
   * The URL clients reach this server under, when not its bound address (a proxy, a name): used
   * for absolute URLs it hands out, and accepted as Host/Origin by a keyless server.
   */
  publicUrl?: string
  /** Directory of the built dashboard; default: found next to the server (see http/dashboard.ts). */
  dashboardDir?: string
  /** Limits of Gradient presigned uploads (per project and server-wide). */
  uploadLimits?: Partial<UploadLimits>
  /** Netra routes: how long a run reported complete waits for local evaluations (default 60 s). */
  netraEvaluationGraceMs?: number
  /**
   * Serve on an http server that already exists (the embedded server listens before the app
   * loads): given Fastify's request handler, returns that server. Its creator routes requests to
   * the handler, answers client errors and closes it.
   */
  serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server
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

/**
 * Builds the Fastify app (not listening): native API under /api/v1, Gradient under /v2/gen-ai, OTLP
 * traces at /v1/traces (and the Netra span probe), the dashboard at /, auth, JSON errors.
 */
export async function buildApp(services: Services, opts: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT
  // close(): idle keep-alive sockets are closed at once, in-flight requests finish first
  const dashboard = loadDashboard(opts.dashboardDir)
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    forceCloseConnections: 'idle',
    // Fastify's and Node's own errors (bad URL, long path parameter, huge headers) in our envelope;
    // a malformed dashboard URL gets the dashboard's "not found" page
    frameworkErrors: (err, req, reply) => {
      if (isDashboardRequest(req.method, req.url)) return dashboard.notFound(req, reply)
      return frameworkErrors(err, req, reply)
    },
    // on a server of its own the creator answers client errors (it listened before Fastify loaded)
    clientErrorHandler: opts.serverFactory ? () => {} : clientErrorHandler,
    ...(opts.serverFactory ? { serverFactory: opts.serverFactory } : {}),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    schemaController: lazySchemaCompilers(),
  })
  installErrorHandling(app, bodyLimit, opts.logger ?? false)

  // JSON bodies only (anything else is a 415); an empty body is "no body" (POST /finalize).
  app.removeContentTypeParser('text/plain')
  app.removeContentTypeParser('application/json')
  // Large bodies are parsed in slices (src/server/http/json-body.ts), never blocking the loop long.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    parseRequestBody(text as string).then(
      (value) => done(null, value),
      (err: Error) => done(err, undefined),
    )
  })

  app.decorate('publicUrl', opts.publicUrl)
  // Defaults: a response that sets its own policy (the dashboard's pages and assets) keeps it.
  app.addHook('onSend', (_req, reply, payload, done) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      if (!reply.hasHeader(name)) reply.header(name, value)
    done(null, payload)
  })
  // a keyless server is reachable by any web page the user visits: refuse rebound names and cross-site writes
  if (!(opts.requireAuth ?? false)) app.addHook('onRequest', browserGuard({ publicUrl: opts.publicUrl }))

  const defaultProjectId = opts.defaultProjectId ?? (await services.projects.ensureDefault()).id
  app.decorateRequest('projectId', '')
  app.decorateRequest('keyless', false)
  app.decorateRequest('keyScope', 'project')
  const auth = authHook(services, { requireAuth: opts.requireAuth ?? false, defaultProjectId })
  const gradientAuth = gradientAuthHook(services, {
    requireAuth: opts.requireAuth ?? false,
    defaultProjectId,
  })
  app.addHook('onRequest', async (req, reply) => {
    if (isPublicApiPath(req.url.split('?', 1)[0] as string)) return
    if (req.url.startsWith('/v2/gen-ai/')) return gradientAuth(req, reply)
    // pages and assets hold no data: the API calls they make are authenticated like any other
    if (isDashboardRequest(req.method, req.url)) return
    await auth(req, reply)
  })

  await app.register(
    async (api) => {
      registerNativeRoutes(api, services, services.store.dialect, {
        ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
      })
      registerAgentRoutes(api, services)
    },
    { prefix: NATIVE_API_PREFIX },
  )
  await registerGradientRoutes(app, services, opts.uploadLimits ? { uploadLimits: opts.uploadLimits } : {})
  await registerNetra(app, services, {
    ...(opts.netraEvaluationGraceMs !== undefined ? { evaluationGraceMs: opts.netraEvaluationGraceMs } : {}),
    ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
  })
  await registerOtlpRoutes(app, services, bodyLimit)
  dashboard.register(app)
  return app
}
