/**
 * Every failure of the client: an HTTP error answered by the server (status >= 400), a
 * connection failure or timeout (status 0), or a response that does not match its schema.
 */
export class EvalgateApiError extends Error {
  override readonly name = 'EvalgateApiError'
  /** HTTP status; 0 when no response was received. */
  readonly status: number
  /** Server error code (e.g. `not_found`, `validation_error`), or a transport code (`ECONNREFUSED`, `TIMEOUT`, `BAD_RESPONSE`). */
  readonly code: string
  /** Path of the first failing field, when the server or the response schema names one. */
  readonly path: string | undefined
  /** `METHOD /api/v1/...` of the failed request. */
  readonly endpoint: string
  /** Base URL of the server that was called. */
  readonly url: string

  constructor(args: {
    message: string
    status: number
    code: string
    path?: string | undefined
    endpoint: string
    url: string
    cause?: unknown
  }) {
    super(args.message, args.cause === undefined ? undefined : { cause: args.cause })
    this.status = args.status
    this.code = args.code
    this.path = args.path
    this.endpoint = args.endpoint
    this.url = args.url
  }

  /** No response: the server could not be reached or did not answer in time. */
  get isConnectionError(): boolean {
    return this.status === 0 && this.code !== 'BAD_RESPONSE' && this.code !== 'INVALID_URL'
  }

  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403
  }
}

export function isEvalgateApiError(error: unknown): error is EvalgateApiError {
  return error instanceof EvalgateApiError
}

/**
 * One line that names what is wrong and where to fix it, for terminal output.
 * `urlSource`/`keySource` say where the URL and key came from (e.g. `EVALGATE_URL`).
 */
export function describeApiError(
  error: unknown,
  sources: { urlSource?: string; keySource?: string } = {},
): string {
  if (!(error instanceof EvalgateApiError)) return error instanceof Error ? error.message : String(error)
  const where = sources.urlSource ? `${error.url} (${sources.urlSource})` : error.url
  if (error.code === 'INVALID_URL') {
    return `${sources.urlSource ? `${sources.urlSource} is not a usable server URL` : 'invalid server URL'}: ${error.message}`
  }
  if (error.isConnectionError) {
    return `cannot reach the evalgate server at ${where}: ${error.message}`
  }
  if (error.isAuthError) {
    const key = sources.keySource ?? 'the API key'
    return `the evalgate server at ${where} rejected ${key} (HTTP ${error.status} ${error.code}): ${error.message}`
  }
  if (error.status === 404 && error.code === 'route_not_found') {
    return `${where} does not look like an evalgate server (${error.endpoint} → 404)`
  }
  const field = error.path ? ` at field \`${error.path}\`` : ''
  return `evalgate server at ${where} answered ${error.endpoint} with HTTP ${error.status} ${error.code}${field}: ${error.message}`
}
