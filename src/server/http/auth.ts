import type { FastifyReply, FastifyRequest } from 'fastify'
import { UnauthorizedError } from '../service/errors.js'
import type { Services } from '../service/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The project every data access of this request is scoped to. */
    projectId: string
    /**
     * true when no key was given (loopback, auth not required). Such a request comes from the
     * server's machine (the browser guard refuses rebound names and cross-site writes), so it
     * may manage projects and keys, like `evalgate keys` on the database.
     */
    keyless: boolean
    /** Scope of the request's key (`project` when keyless). */
    keyScope: 'project' | 'admin'
  }
}

export interface AuthOptions {
  requireAuth: boolean
  defaultProjectId: string
}

type Headers = Record<string, string | string[] | undefined>

/** The API key of a request: `Authorization: Bearer <key>`, else `x-api-key`. */
export function requestKey(request: { headers: Headers }): string | undefined {
  const auth = request.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (m) return m[1]
  }
  const x = request.headers['x-api-key']
  if (typeof x === 'string' && x.length > 0) return x
  return undefined
}

export interface Caller {
  projectId: string
  keyless: boolean
  keyScope: 'project' | 'admin'
}

/**
 * Resolves the request's project: a given key must be valid and selects its project; without a
 * key, the default project, unless keys are required (non-loopback bind or requireAuth).
 */
export async function resolveCaller(
  services: Services,
  opts: AuthOptions,
  headers: Headers,
): Promise<Caller> {
  const key = requestKey({ headers })
  if (key === undefined) {
    if (opts.requireAuth)
      throw new UnauthorizedError('an API key is required (Authorization: Bearer <key> or x-api-key)')
    return { projectId: opts.defaultProjectId, keyless: true, keyScope: 'project' }
  }
  const found = await services.projects.authenticateKey(key)
  if (!found) throw new UnauthorizedError('invalid or revoked API key')
  return { projectId: found.projectId, keyless: false, keyScope: found.scope }
}

/** `resolveCaller` as a Fastify hook: decorates the request with the caller. */
export function authHook(services: Services, opts: AuthOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const caller = await resolveCaller(services, opts, request.headers)
    request.projectId = caller.projectId
    request.keyless = caller.keyless
    request.keyScope = caller.keyScope
  }
}
