import type { FastifyInstance } from 'fastify'
import type { Services } from '../service/index.js'
import { installGradientErrorHandling } from './http.js'
import { registerDatasetRoutes } from './routes-datasets.js'
import { registerRunRoutes } from './routes-runs.js'
import { registerTestCaseRoutes } from './routes-test-cases.js'
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits, UploadStore } from './uploads.js'

export { UploadStore } from './uploads.js'

export interface GradientRoutesOptions {
  uploadLimits?: Partial<UploadLimits>
}

/**
 * DigitalOcean Gradient-compatible evaluation API under /v2/gen-ai, so the official
 * `@digitalocean/gradient` SDK works with `baseURL` set to this server. Auth is the app's (a
 * Bearer key selects its project; keyless loopback requests use the default project). Errors are
 * `{ id, message, path? }`; client errors are never 409/429/5xx, which the SDK would retry.
 */
export async function registerGradientRoutes(
  app: FastifyInstance,
  services: Services,
  opts: GradientRoutesOptions = {},
): Promise<void> {
  const uploads = new UploadStore(services.store.db, opts.uploadLimits ?? DEFAULT_UPLOAD_LIMITS)
  await app.register(
    async (scope) => {
      installGradientErrorHandling(scope)
      registerTestCaseRoutes(scope, services)
      registerRunRoutes(scope, services)
      registerDatasetRoutes(scope, services, uploads)
    },
    { prefix: '/v2/gen-ai' },
  )
}
