import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { openStore, type Store } from '../store/open.js'
import type { DispatchRequest, DispatchResponse } from '../util/dispatch.js'
import type { AppOptions } from './app.js'
import { resolveCaller } from './http/auth.js'
import { boundOrigin } from './http/browser-guard.js'
import { type DirectDispatch, directDispatch } from './http/direct-dispatch.js'
import { errorResponse, writeInternalError } from './http/errors.js'
import { clientErrorHandler, MAX_PARAM_LENGTH } from './http/framework-errors.js'
import { DEFAULT_BODY_LIMIT } from './http/json-body.js'
import { isLoopbackHost } from './http/loopback.js'
import { nodeHttp } from './http/node-http.js'
import type { JobQueueOptions } from './jobs/queue.js'
import { isPublicApiPath, NATIVE_API_PREFIX, nativeRoutes } from './routes/native.js'
import type { ServerScoringOptions } from './scoring/index.js'
import { createServices, type Services } from './service/index.js'

export interface StartServerOptions {
  /** SQLite file path or `postgres://` URL; default DATABASE_URL, else `.evalgate/evalgate.db`. */
  db?: string
  /** Default 127.0.0.1. A non-loopback host always requires API keys. */
  host?: string
  /** 0 (default) = an ephemeral port. */
  port?: number
  requireAuth?: boolean
  logger?: boolean
  bodyLimit?: number
  /** The URL clients use when it is not the bound address (see AppOptions.publicUrl). */
  publicUrl?: string
  /** Directory of the built dashboard (default: found next to the server). */
  dashboardDir?: string
  uploadLimits?: AppOptions['uploadLimits']
  /** The background job queue of this process (lease, concurrency, polling: src/server/jobs/README.md). */
  jobs?: JobQueueOptions
  /**
   * Whether this server claims queued background jobs (server-side scoring, agent runs). Default
   * true. False for a server that only answers reads for a moment (the CLI's `runs` and `show`):
   * it neither runs queued work (judge calls) nor waits, when it closes, for work it picked up.
   */
  runJobs?: boolean
  /** Server-side evaluators: judge model, record/replay, batching (src/server/scoring/). */
  scoring?: ServerScoringOptions
  /**
   * When the HTTP app (Fastify and every route: about 40% of the start-up) loads. `start` (the
   * default, `evalgate serve`): before this resolves. `first-request` (the embedded server): the
   * port is bound at once, and the app loads on the first HTTP request or on the first `dispatch`
   * the native routes' direct path does not serve; until then the in-process client needs none.
   */
  httpApp?: 'start' | 'first-request'
}

export interface RunningServer {
  url: string
  port: number
  host: string
  services: Services
  store: Store
  /** Whether the HTTP app (Fastify) is built or being built: with `httpApp: 'first-request'`, only once needed. */
  readonly httpAppLoaded: boolean
  /**
   * Serves one request in-process, without a socket: the native API through its route handlers
   * directly (http/direct-dispatch.ts), anything else through Fastify's `inject` (same routes,
   * validation and serialisation as over HTTP). The embedded server's client uses it.
   */
  dispatch(request: DispatchRequest): Promise<DispatchResponse>
  /**
   * Stops accepting connections and claiming jobs, finishes in-flight requests and jobs (jobs past
   * their grace period are given back to the queue), then closes the database.
   */
  close(): Promise<void>
}

/** The HTTP side of a running server: its socket and, now or later, its Fastify app. */
interface HttpFront {
  server: Server
  app(): Promise<FastifyInstance>
  loaded(): boolean
  /** Stops accepting connections; in-flight requests finish. */
  close(): Promise<void>
}

export async function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1'
  const store = await openStore(opts.db)
  const services = createServices(store, {
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    ...(opts.scoring ? { scoring: opts.scoring } : {}),
  })
  const requireAuth = opts.requireAuth === true || !isLoopbackHost(host)
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT
  let front: HttpFront
  let defaultProjectId: string
  try {
    defaultProjectId = (await services.projects.ensureDefault()).id
    const appOpts: AppOptions = {
      requireAuth,
      defaultProjectId,
      logger: opts.logger ?? false,
      bodyLimit,
      ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
      ...(opts.dashboardDir !== undefined ? { dashboardDir: opts.dashboardDir } : {}),
      ...(opts.uploadLimits !== undefined ? { uploadLimits: opts.uploadLimits } : {}),
    }
    front =
      opts.httpApp === 'first-request'
        ? await listenBeforeApp(services, appOpts, host, opts.port ?? 0)
        : await listenWithApp(services, appOpts, host, opts.port ?? 0)
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
  if (opts.runJobs !== false) services.jobs.start()
  const address = front.server.address()
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0)
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
  const direct: DirectDispatch = directDispatch({
    routes: nativeRoutes(services, store.dialect),
    prefix: NATIVE_API_PREFIX,
    bodyLimit,
    maxParamLength: MAX_PARAM_LENGTH,
    isPublic: isPublicApiPath,
    caller: (headers) => resolveCaller(services, { requireAuth, defaultProjectId }, headers),
    linkBase: () => opts.publicUrl ?? boundOrigin(front.server.address()),
  })
  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    services,
    store,
    get httpAppLoaded() {
      return front.loaded()
    },
    async dispatch(request) {
      const served = direct(request)
      if (served) return served
      const app = await front.app()
      const { method, path, headers, body } = request
      const response = await app.inject({
        method: method as 'GET',
        url: path,
        // as a client over the socket would send it: URLs the server hands out name its address
        headers: { host: `${urlHost}:${port}`, ...headers },
        ...(body === undefined ? {} : { payload: body }),
      })
      return { status: response.statusCode, text: response.body }
    },
    close() {
      closing ??= (async () => {
        // In-flight requests finish; their keep-alive sockets then turn idle and would hold
        // close() open until the keep-alive timeout, so idle sockets are closed as they appear.
        const reaper = setInterval(() => front.server.closeIdleConnections(), 25)
        try {
          await Promise.all([front.close(), services.jobs.stop()])
        } finally {
          clearInterval(reaper)
          await store.close()
        }
      })()
      return closing
    },
  }
}

/** `evalgate serve`: the app is built, then Fastify listens (on every address of `localhost`). */
async function listenWithApp(
  services: Services,
  appOpts: AppOptions,
  host: string,
  port: number,
): Promise<HttpFront> {
  const { buildApp } = await import('./app.js')
  const app = await buildApp(services, appOpts)
  await app.listen({ host, port })
  const ready = Promise.resolve(app)
  return { server: app.server, app: () => ready, loaded: () => true, close: () => app.close() }
}

/**
 * The embedded server: binds the port now (URLs it hands out name it), and loads the app when an
 * HTTP request arrives or `app()` is first called; requests wait for it meanwhile.
 */
async function listenBeforeApp(
  services: Services,
  appOpts: AppOptions,
  host: string,
  port: number,
): Promise<HttpFront> {
  const server = nodeHttp().createServer()
  // Fastify's defaults for the servers it creates
  server.keepAliveTimeout = 72_000
  server.requestTimeout = 0
  server.on('clientError', clientErrorHandler)
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null
  let app: Promise<FastifyInstance> | null = null
  const load = (): Promise<FastifyInstance> => {
    app ??= import('./app.js').then(async ({ buildApp }) => {
      const built = await buildApp(services, {
        ...appOpts,
        serverFactory: (h) => {
          handler = h
          return server
        },
      })
      await built.ready()
      return built
    })
    return app
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    load().then(
      () => handler?.(req, res),
      (err: Error) => {
        writeInternalError(req.method ?? '', req.url ?? '', err)
        const response = errorResponse(err, appOpts.bodyLimit ?? DEFAULT_BODY_LIMIT)
        res.statusCode = response.status
        res.setHeader('content-type', 'application/json; charset=utf-8')
        res.end(JSON.stringify(response.body))
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    server,
    app: load,
    loaded: () => app !== null,
    async close() {
      // Fastify closes only servers it listened on; this one is closed here, after the app
      if (app) await app.then((a) => a.close()).catch(() => {})
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
