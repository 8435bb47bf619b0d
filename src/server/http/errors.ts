import type { FastifyError, FastifyInstance } from 'fastify'
import type { ApiError } from '../../schema/common.js'
import { ServiceError } from '../service/errors.js'

function body(message: string, code: string, path?: string, currentStatus?: string): ApiError {
  return {
    error: {
      message,
      code,
      ...(path !== undefined ? { path } : {}),
      ...(currentStatus !== undefined ? { currentStatus } : {}),
    },
  }
}

export interface ErrorResponse {
  status: number
  body: ApiError
  /** A server bug: the caller logs it (it is never silent). */
  internal: boolean
}

/**
 * The response to an error of a request, whichever way it was served (Fastify or the embedded
 * server's direct dispatch): every error leaves as `{ error: { message, code, path } }`
 * (ApiErrorSchema).
 */
export function errorResponse(err: FastifyError | ServiceError | Error, bodyLimit: number): ErrorResponse {
  const reply = (status: number, b: ApiError) => ({ status, body: b, internal: false })
  if (err instanceof ServiceError) {
    return reply(err.status, body(err.message, err.code, err.path, err.currentStatus))
  }
  const fe = err as FastifyError
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply(413, body(`request body exceeds the limit of ${bodyLimit} bytes`, 'payload_too_large'))
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply(415, body('content-type must be application/json', 'unsupported_media_type'))
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return reply(400, body('request body is empty; a JSON body is required', 'invalid_json'))
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
    return reply(400, body(`malformed JSON body: ${err.message}`, 'invalid_json'))
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return reply(fe.statusCode, body(err.message, fe.code ?? 'bad_request'))
  }
  return { status: 500, body: body('internal server error', 'internal'), internal: true }
}

/** How a server bug is reported without a request logger. */
export function writeInternalError(method: string, url: string, err: Error): void {
  process.stderr.write(`evalgate server: ${method} ${url}: ${err.stack ?? err.message}\n`)
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number, logger: boolean): void {
  app.setErrorHandler((err: FastifyError | ServiceError | Error, request, reply) => {
    const response = errorResponse(err, bodyLimit)
    if (response.internal) {
      if (logger) request.log.error(err)
      else writeInternalError(request.method, request.url, err)
    }
    return reply.status(response.status).send(response.body)
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(body(`no route ${request.method} ${request.url.split('?')[0]}`, 'route_not_found'))
  })
}
