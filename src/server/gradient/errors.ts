import type { ZodError } from 'zod'
import { firstIssue } from '../../schema/issues.js'

/**
 * An error answered by a Gradient route as `{ id, message, path? }` (the SDK reads `message`).
 * Client errors use 400/404/422 on purpose: the Gradient SDK retries 408, 409, 429 and 5xx.
 */
export class GradientHttpError extends Error {
  constructor(
    /** 429 only for quotas that free up with time (the SDK retries it with backoff). */
    readonly statusCode: 400 | 401 | 403 | 404 | 413 | 422 | 429,
    message: string,
    readonly path?: string,
  ) {
    super(message)
    this.name = 'GradientHttpError'
  }

  get id(): string {
    return ERROR_IDS[this.statusCode] ?? 'error'
  }
}

export const ERROR_IDS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'server_error',
}

export function notFound(what: string, id: string | number): GradientHttpError {
  return new GradientHttpError(404, `${what} ${JSON.stringify(String(id))} not found`)
}

export function badRequest(message: string, path?: string): GradientHttpError {
  return new GradientHttpError(400, message, path)
}

/** `where` names the request part (`body`, `query`, `params`); the path is the first failing field. */
export function fromZodError(error: ZodError, where: string): GradientHttpError {
  const { path, message } = firstIssue(error)
  const field = path === '' ? where : `${where}.${path}`
  return badRequest(`invalid ${field}: ${message}`, path === '' ? undefined : path)
}
