import type { FastifyInstance } from 'fastify'
import { openStore, type Store } from '../store/open.js'
import { type AppOptions, buildApp } from './app.js'
import type { JobQueueOptions } from './jobs/queue.js'
import type { ServerScoringOptions } from './scoring/index.js'
import { createServices, type Services } from './service/index.js'

export {
  DEFAULT_SQLITE_PATH,
  defaultDbLocation,
  isPostgresUrl,
  openStore,
  type Store,
} from '../store/open.js'
export { type AppOptions, buildApp, DEFAULT_BODY_LIMIT } from './app.js'
export * from './jobs/index.js'
export { SCORE_ITEMS_KIND, type ServerScoring, type ServerScoringOptions } from './scoring/index.js'
export * from './service/index.js'

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
  /** Server-side evaluators: judge model, record/replay, batching (src/server/scoring/). */
  scoring?: ServerScoringOptions
}

export interface RunningServer {
  url: string
  port: number
  host: string
  app: FastifyInstance
  services: Services
  store: Store
  /**
   * Serves one request in-process through Fastify's `inject` (same routes, validation and
   * serialisation as over HTTP, without the socket): the embedded server's client uses it.
   */
  dispatch(request: {
    method: string
    path: string
    headers: Record<string, string>
    body: string | undefined
  }): Promise<{ status: number; text: string }>
  /**
   * Stops accepting connections and claiming jobs, finishes in-flight requests and jobs (jobs past
   * their grace period are given back to the queue), then closes the database.
   */
  close(): Promise<void>
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1'
}

export async function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1'
  const store = await openStore(opts.db)
  const services = createServices(store, {
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    ...(opts.scoring ? { scoring: opts.scoring } : {}),
  })
  let app: FastifyInstance
  try {
    const appOpts: AppOptions = {
      requireAuth: opts.requireAuth === true || !isLoopbackHost(host),
      logger: opts.logger ?? false,
      ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
      ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
      ...(opts.dashboardDir !== undefined ? { dashboardDir: opts.dashboardDir } : {}),
      ...(opts.uploadLimits !== undefined ? { uploadLimits: opts.uploadLimits } : {}),
    }
    app = await buildApp(services, appOpts)
    await app.listen({ host, port: opts.port ?? 0 })
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
  services.jobs.start()
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0)
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    app,
    services,
    store,
    async dispatch({ method, path, headers, body }) {
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
        const reaper = setInterval(() => app.server.closeIdleConnections(), 25)
        try {
          await Promise.all([app.close(), services.jobs.stop()])
        } finally {
          clearInterval(reaper)
          await store.close()
        }
      })()
      return closing
    },
  }
}
