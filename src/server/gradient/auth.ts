import type { FastifyReply, FastifyRequest } from 'fastify'
import { requestKey } from '../http/auth.js'
import type { Services } from '../service/index.js'
import { GradientHttpError } from './errors.js'

export interface GradientAuthOptions {
  requireAuth: boolean
  defaultProjectId: string
}

/**
 * Auth of the Gradient routes: `Authorization: Bearer <key>`. A valid evalgate key selects its
 * project. When keys are not required (loopback bind), any other token — or none — means the
 * default project: the Gradient SDK refuses to send a request without some token, so local use
 * passes a dummy one. When keys are required, a missing or unknown key is a 401.
 * Routes marked `config.skipAuth` (presigned upload URLs) carry their own token.
 */
export function gradientAuthHook(services: Services, opts: GradientAuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (request.routeOptions.config?.skipAuth === true) return
    const key = requestKey(request)
    const projectId = key === undefined ? undefined : await services.projects.authenticate(key)
    if (projectId) {
      request.projectId = projectId
      request.keyless = false
      return
    }
    if (opts.requireAuth) {
      throw new GradientHttpError(
        401,
        key === undefined ? 'an API key is required (Authorization: Bearer <key>)' : 'invalid API key',
      )
    }
    request.projectId = opts.defaultProjectId
    request.keyless = false
  }
}
