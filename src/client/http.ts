import { setTimeout as sleep } from 'node:timers/promises'
import type { Pool } from 'undici'
import * as z from 'zod/mini'
import { ApiErrorSchema } from '../schema/common.js'
import { firstIssue } from '../schema/issues.js'
import { PARSE_ONCE } from '../schema/parse-once.js'
import type { DispatchRequest, DispatchResponse } from '../util/dispatch.js'
import { EvalgateApiError } from './errors.js'

export interface TransportOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:4870` (a path prefix is kept). */
  url: string
  apiKey?: string | undefined
  /** Per attempt: connect, response headers and gaps between body chunks. Default 30 s. */
  timeoutMs?: number | undefined
  /** Extra attempts after a connection error, a timeout or a 5xx. Never after a 4xx. Default 3. */
  retries?: number | undefined
  /** First backoff delay; doubled on every retry (with jitter), capped at 5 s. Default 200 ms. */
  retryDelayMs?: number | undefined
  /**
   * Sends each request in-process instead of over a socket: an embedded server's Fastify `inject`,
   * which runs the same routes, validation and serialisation as an HTTP request. `url` still names
   * the server in messages.
   */
  dispatch?: Dispatch | undefined
}

export type Dispatch = (request: DispatchRequest) => Promise<DispatchResponse>

export type QueryValue = string | number | boolean | undefined | null

export interface RequestSpec<S extends z.core.$ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  query?: Record<string, QueryValue> | undefined
  body?: unknown
  schema: S
  /**
   * Whether the request may be repeated after it possibly reached the server (timeouts, 5xx).
   * Connection refusals are always retried, since nothing was sent. Default true.
   */
  idempotent?: boolean | undefined
}

/** Connection failures where the request certainly never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'EHOSTUNREACH'])
/** Failures after which the request may or may not have been processed. */
const MAYBE_SENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
])

const MAX_BACKOFF_MS = 5_000

/** JSON over HTTP to one evalgate server, with timeouts and retries. One undici Pool per client. */
export class Transport {
  readonly url: string
  private readonly origin: string
  private readonly basePath: string
  /** Created on first use: importing undici costs tens of ms, paid only by code that talks to a server. */
  private pool: Promise<Pool> | null = null
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number
  private readonly retries: number
  private readonly retryDelayMs: number
  private readonly dispatch: Dispatch | undefined

  constructor(options: TransportOptions) {
    let parsed: URL
    try {
      parsed = new URL(options.url)
    } catch {
      throw new EvalgateApiError({
        message: `invalid server URL ${JSON.stringify(options.url)}`,
        status: 0,
        code: 'INVALID_URL',
        endpoint: '',
        url: String(options.url),
      })
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new EvalgateApiError({
        message: `server URL must start with http:// or https://, got ${JSON.stringify(options.url)}`,
        status: 0,
        code: 'INVALID_URL',
        endpoint: '',
        url: options.url,
      })
    }
    this.origin = parsed.origin
    this.basePath = parsed.pathname.replace(/\/+$/, '')
    this.url = `${this.origin}${this.basePath}`
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.retries = Math.max(0, options.retries ?? 3)
    this.retryDelayMs = options.retryDelayMs ?? 200
    this.dispatch = options.dispatch
    this.headers = { accept: 'application/json', 'user-agent': 'evalgate-client' }
    if (options.apiKey) {
      this.headers.authorization = `Bearer ${options.apiKey}`
      this.headers['x-api-key'] = options.apiKey
    }
  }

  async request<S extends z.core.$ZodType>(spec: RequestSpec<S>): Promise<z.infer<S>> {
    const path = this.basePath + spec.path + encodeQuery(spec.query)
    const endpoint = `${spec.method} ${spec.path}`
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body)
    const headers =
      body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' }
    const idempotent = spec.idempotent ?? true
    for (let attempt = 0; ; attempt++) {
      let outcome: DispatchResponse | EvalgateApiError
      try {
        outcome = await this.send({ method: spec.method, path, headers, body })
      } catch (error) {
        outcome = this.connectionError(error, endpoint)
      }
      const retryable =
        outcome instanceof EvalgateApiError
          ? NOT_SENT_CODES.has(outcome.code) || (idempotent && MAYBE_SENT_CODES.has(outcome.code))
          : outcome.status >= 500 && idempotent
      if (retryable && attempt < this.retries) {
        await sleep(this.backoff(attempt))
        continue
      }
      if (outcome instanceof EvalgateApiError) throw outcome
      return this.parse(outcome.status, outcome.text, endpoint, spec.schema)
    }
  }

  async close(): Promise<void> {
    const pool = this.pool
    this.pool = null
    if (pool) await (await pool).close()
  }

  private async send(request: DispatchRequest): Promise<DispatchResponse> {
    if (this.dispatch) return this.dispatch(request)
    const pool = await this.connectionPool()
    const response = await pool.request({ ...request, method: request.method as 'GET' })
    return { status: response.statusCode, text: await response.body.text() }
  }

  private connectionPool(): Promise<Pool> {
    this.pool ??= import('undici').then(
      ({ Pool }) =>
        new Pool(this.origin, {
          connections: 8,
          connect: { timeout: this.timeoutMs },
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
          keepAliveTimeout: 10_000,
        }),
    )
    return this.pool
  }

  private backoff(attempt: number): number {
    const base = Math.min(MAX_BACKOFF_MS, this.retryDelayMs * 2 ** attempt)
    return base * (0.75 + Math.random() * 0.5)
  }

  private connectionError(error: unknown, endpoint: string): EvalgateApiError {
    const code = errorCode(error)
    const timeout =
      code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code.includes('TIMEOUT')
    const detail = error instanceof Error ? error.message : String(error)
    return new EvalgateApiError({
      message: timeout
        ? `no answer within ${this.timeoutMs} ms (${code})`
        : `${code}${detail ? ` (${detail})` : ''}`,
      status: 0,
      code,
      endpoint,
      url: this.url,
      cause: error,
    })
  }

  private parse<S extends z.core.$ZodType>(
    status: number,
    text: string,
    endpoint: string,
    schema: S,
  ): z.infer<S> {
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    if (status >= 400) {
      const apiError = ApiErrorSchema.safeParse(json, PARSE_ONCE)
      if (apiError.success) {
        throw new EvalgateApiError({
          message: apiError.data.error.message,
          status,
          code: apiError.data.error.code,
          path: apiError.data.error.path,
          endpoint,
          url: this.url,
        })
      }
      // Not our error envelope (e.g. a proxy or another service at this URL).
      const message =
        json && typeof json === 'object' && 'message' in json && typeof json.message === 'string'
          ? json.message
          : text.slice(0, 200) || `HTTP ${status}`
      throw new EvalgateApiError({
        message,
        status,
        code: status === 404 ? 'route_not_found' : `http_${status}`,
        endpoint,
        url: this.url,
      })
    }
    const parsed = z.safeParse(schema, json, PARSE_ONCE)
    if (!parsed.success) {
      const { path: fieldPath, message } = firstIssue(parsed.error)
      throw new EvalgateApiError({
        message: `unexpected response body${fieldPath ? ` at \`${fieldPath}\`` : ''}: ${message}`,
        status: 0,
        code: 'BAD_RESPONSE',
        path: fieldPath || undefined,
        endpoint,
        url: this.url,
      })
    }
    return parsed.data
  }
}

function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string') return code
    const cause = (error as { cause?: unknown }).cause
    if (cause) return errorCode(cause)
    // AggregateError from happy-eyeballs connects carries the codes on its members.
    const errors = (error as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0])
  }
  return 'ECONNECTION'
}

function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value))
  }
  const encoded = params.toString()
  return encoded ? `?${encoded}` : ''
}
