import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import * as z from 'zod'
import type { GradientError } from '../../schema/gradient.js'
import { PARSE_ONCE } from '../../schema/parse-once.js'
import { serverOrigin } from '../http/browser-guard.js'
import { ServiceError } from '../service/errors.js'
import { ERROR_IDS, fromZodError, GradientHttpError } from './errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route authorizes itself (e.g. a presigned upload URL carries its own token). */
    skipAuth?: boolean
  }
}

/** Parses a request part with a Gradient request schema, or throws a 400 naming the failing field. */
export function parseGradient<S extends z.core.$ZodType>(
  schema: S,
  data: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  const result = z.safeParse(schema, data ?? (where === 'body' ? {} : data), PARSE_ONCE)
  if (result.success) return result.data
  throw fromZodError(result.error, where)
}

/**
 * `scheme://host:port` for absolute URLs (pagination links, presigned URLs): the configured public
 * URL or the address the connection arrived on, never the client-controlled `Host` header.
 */
export function requestOrigin(request: FastifyRequest): string {
  return serverOrigin(request, request.server.publicUrl)
}

function errorBody(status: number, message: string, path?: string): GradientError {
  return { id: ERROR_IDS[status] ?? 'error', message, ...(path !== undefined ? { path } : {}) }
}

/**
 * Errors of the Gradient routes leave as `{ id, message, path? }`. A service 409 (e.g. a test
 * case name already taken) becomes a 400 here: the Gradient SDK retries 409s, and retrying cannot help.
 */
export function installGradientErrorHandling(scope: FastifyInstance): void {
  scope.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof GradientHttpError) {
      return reply.status(err.statusCode).send(errorBody(err.statusCode, err.message, err.path))
    }
    if (err instanceof ServiceError) {
      const status = err.status === 409 ? 400 : err.status
      return reply.status(status).send(errorBody(status, err.message, err.path))
    }
    const fe = err as FastifyError
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(errorBody(413, 'request body is too large'))
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(errorBody(415, 'content-type must be application/json'))
    }
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.status(400).send(errorBody(400, 'request body is empty; a JSON body is required'))
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(errorBody(fe.statusCode, err.message))
    }
    request.log.error(err)
    return reply.status(500).send(errorBody(500, 'internal server error'))
  })
  scope.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}`))
  })
}
