/** The real server (Fastify on loopback, Netra routes on) over a fresh store, for the Netra tests. */
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import { createServices, type Services } from '../../src/server/service/index.js'
import { openStore, type Store } from '../../src/store/open.js'

export interface TestServer {
  url: string
  services: Services
  close(): Promise<void>
}

export async function startNetraServer(
  db: string,
  opts: { requireAuth?: boolean; graceMs?: number; dashboardDir?: string } = {},
): Promise<TestServer> {
  const store: Store = await openStore(db)
  const services = createServices(store)
  const app: FastifyInstance = await buildApp(services, {
    requireAuth: opts.requireAuth ?? false,
    ...(opts.dashboardDir !== undefined ? { dashboardDir: opts.dashboardDir } : {}),
    ...(opts.graceMs !== undefined ? { netraEvaluationGraceMs: opts.graceMs } : {}),
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    async close() {
      await app.close()
      await store.close()
    },
  }
}
