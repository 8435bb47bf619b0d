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

/** Every error leaves as `{ error: { message, code, path } }` (ApiErrorSchema). */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number, logger: boolean): void {
  app.setErrorHandler((err: FastifyError | ServiceError | Error, request, reply) => {
    if (err instanceof ServiceError) {
      return reply.status(err.status).send(body(err.message, err.code, err.path, err.currentStatus))
    }
    const fe = err as FastifyError
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send(body(`request body exceeds the limit of ${bodyLimit} bytes`, 'payload_too_large'))
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(body('content-type must be application/json', 'unsupported_media_type'))
    }
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.status(400).send(body('request body is empty; a JSON body is required', 'invalid_json'))
    }
    if (
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (fe.statusCode === 400 && err instanceof SyntaxError)
    ) {
      return reply.status(400).send(body(`malformed JSON body: ${err.message}`, 'invalid_json'))
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(body(err.message, fe.code ?? 'bad_request'))
    }
    // a server bug: never silent, even without a request logger
    if (logger) request.log.error(err)
    else
      process.stderr.write(`evalgate server: ${request.method} ${request.url}: ${err.stack ?? err.message}\n`)
    return reply.status(500).send(body('internal server error', 'internal'))
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(body(`no route ${request.method} ${request.url.split('?')[0]}`, 'route_not_found'))
  })
}
