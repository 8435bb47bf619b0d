import type { FastifyInstance } from 'fastify'
import type { Services } from '../service/index.js'
import { registerNetraRoutes } from './routes.js'
import { DEFAULT_EVALUATION_GRACE_MS, NetraService } from './service.js'

export { DEFAULT_EVALUATION_GRACE_MS, NetraService } from './service.js'

export interface NetraRoutesOptions {
  /** How long a run reported complete waits for local evaluations still due (default 60 s). */
  evaluationGraceMs?: number
  publicUrl?: string
}

/**
 * The Netra evaluation API under /evaluations (src/server/netra/README.md), on the app's auth
 * (API keys as `x-api-key` or `Authorization: Bearer`) and error envelope.
 */
export async function registerNetra(
  app: FastifyInstance,
  services: Services,
  opts: NetraRoutesOptions = {},
): Promise<void> {
  const netra = new NetraService(services, opts.evaluationGraceMs ?? DEFAULT_EVALUATION_GRACE_MS)
  app.addHook('onClose', async () => netra.close())
  await app.register(async (scope) => registerNetraRoutes(scope, services, netra, opts.publicUrl), {
    prefix: '/evaluations',
  })
}
