/**
 * Errors Fastify and Node answer before any route or hook runs (a malformed URL, an overlong path
 * parameter, oversized headers, a request timeout), in the documented shapes: the native
 * `{ error: { message, code } }` envelope, or Gradient's `{ id, message }` under /v2/gen-ai.
 */
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { SECURITY_HEADERS } from './browser-guard.js'
import { nodeHttp } from './node-http.js'

/** Longest path parameter routed to its handler (ids are at most 200 characters; longer is a 400 from zod). */
export const MAX_PARAM_LENGTH = 1000

function frameworkBody(url: string, status: number, code: string, message: string): string {
  if (url.startsWith('/v2/gen-ai/')) {
    return JSON.stringify({ id: status === 414 ? 'uri_too_long' : 'bad_request', message })
  }
  return JSON.stringify({ error: { message, code } })
}

/** Fastify's `frameworkErrors` option: bad URL encoding, overlong path parameters. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const url = request.raw.url ?? ''
  const path = url.split('?')[0] ?? ''
  let status = 400
  let code = 'invalid_url'
  let message = `the URL ${JSON.stringify(path.slice(0, 200))} is not validly percent-encoded`
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    status = 414
    code = 'uri_too_long'
    message = `a path segment of ${JSON.stringify(path.slice(0, 100))}… is longer than ${MAX_PARAM_LENGTH} characters`
  } else if (error.code !== 'FST_ERR_BAD_URL') {
    code = 'bad_request'
    message = error.message
  }
  reply
    .status(status)
    .headers(SECURITY_HEADERS)
    .header('content-type', 'application/json; charset=utf-8')
    .send(frameworkBody(url, status, code, message))
}

/** The http server's `clientError`: a request Node could not parse, answered in the native envelope. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  let status = 400
  let code = 'bad_request'
  let message = 'the request could not be parsed as HTTP'
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431
    code = 'headers_too_large'
    message = 'the request headers exceed the maximum allowed size (16 KiB)'
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408
    code = 'request_timeout'
    message = 'the request was not received in time'
  }
  const body = JSON.stringify({ error: { message, code } })
  if (socket.writable) {
    const headers = Object.entries(SECURITY_HEADERS)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
    socket.write(
      `HTTP/1.1 ${status} ${nodeHttp().STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`,
    )
  }
  socket.destroy(err)
}
