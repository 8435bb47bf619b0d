/**
 * The embedded server's in-process requests without Fastify: the native routes' own handlers
 * (routes/native.ts, the same validation and rules as over HTTP), with the caller resolved as the
 * auth hook does and errors answered in the same envelope. A request this cannot answer exactly as
 * Fastify would (another API, a body that is not JSON or is over the limit, a percent-encoded or
 * unusual path, a browser's Origin) gets `null`, and the caller sends it to Fastify's `inject`.
 *
 * Why: the reporter's requests (create the run, add items, finalize, results) are all native, and
 * loading Fastify with its routes is about 40% of the embedded server's start-up, which every
 * `vitest run` waits for. Fastify loads when something else needs it (server/start.ts).
 */
import { parse as parseQuery } from 'fast-querystring'
import type { DispatchRequest, DispatchResponse } from '../../util/dispatch.js'
import type { ApiCall, ApiRoute } from '../routes/native.js'
import type { Caller } from './auth.js'
import { errorResponse, writeInternalError } from './errors.js'
import { parseRequestBody } from './json-body.js'

export interface DirectDispatchOptions {
  routes: ApiRoute[]
  /** Where the routes are mounted: `/api/v1`. */
  prefix: string
  bodyLimit: number
  /** Fastify's `maxParamLength`: a longer parameter is Fastify's 414. */
  maxParamLength: number
  /** Whether a path is exempt from authentication (as Fastify's onRequest hook decides). */
  isPublic(path: string): boolean
  caller(headers: Record<string, string>): Promise<Caller>
  linkBase(): string
}

interface CompiledRoute {
  route: ApiRoute
  /** Literal segments, and `null` where a parameter goes (names in `params`). */
  segments: Array<string | null>
  params: string[]
}

export type DirectDispatch = (request: DispatchRequest) => Promise<DispatchResponse> | null

export function directDispatch(options: DirectDispatchOptions): DirectDispatch {
  const compiled = options.routes.map(compile)
  return (request) => {
    const match = matchRequest(request, compiled, options)
    if (!match) return null
    return serve(request, match, options)
  }
}

function compile(route: ApiRoute): CompiledRoute {
  const params: string[] = []
  const segments = route.url
    .split('/')
    .slice(1)
    .map((segment) => {
      if (!segment.startsWith(':')) return segment
      params.push(segment.slice(1))
      return null
    })
  return { route, segments, params }
}

interface Match {
  route: ApiRoute
  params: Record<string, string>
  query: Record<string, unknown>
  url: string
}

function matchRequest(
  request: DispatchRequest,
  compiled: CompiledRoute[],
  options: DirectDispatchOptions,
): Match | null {
  if (request.headers.origin !== undefined) return null
  const hasBody = request.body !== undefined
  if (hasBody) {
    if (request.method !== 'POST' && request.method !== 'DELETE') return null
    const type = request.headers['content-type'] ?? ''
    if (!/^application\/json\s*(;|$)/i.test(type)) return null
    if (Buffer.byteLength(request.body as string) > options.bodyLimit) return null
  }
  const q = request.path.indexOf('?')
  const path = q === -1 ? request.path : request.path.slice(0, q)
  if (!path.startsWith(`${options.prefix}/`) || path.includes('%')) return null
  const parts = path.slice(options.prefix.length).split('/').slice(1)
  // Fastify's own query string parser (through find-my-way): `+` is a space, a repeated key an array
  const query: Record<string, unknown> = q === -1 ? {} : parseQuery(request.path.slice(q + 1))
  for (const candidate of compiled) {
    if (candidate.route.method !== request.method || candidate.segments.length !== parts.length) continue
    const values: string[] = []
    const fits = candidate.segments.every((segment, i) => {
      const part = parts[i] as string
      if (segment !== null) return segment === part
      values.push(part)
      return part.length > 0 && part.length <= options.maxParamLength
    })
    if (!fits) continue
    const params: Record<string, string> = {}
    candidate.params.forEach((name, i) => {
      params[name] = values[i] as string
    })
    return { route: candidate.route, params, query, url: path }
  }
  return null
}

async function serve(
  request: DispatchRequest,
  match: Match,
  options: DirectDispatchOptions,
): Promise<DispatchResponse> {
  let status = 200
  try {
    const caller: Caller = options.isPublic(match.url)
      ? { projectId: '', keyless: false, keyScope: 'project' }
      : await options.caller(request.headers)
    const call: ApiCall = {
      ...caller,
      params: match.params,
      query: match.query,
      body: request.body === undefined ? undefined : await parseRequestBody(request.body),
      linkBase: options.linkBase,
    }
    const result = await match.route.handle(call, {
      status: (code) => {
        status = code
      },
    })
    return { status, text: JSON.stringify(result) }
  } catch (err) {
    const response = errorResponse(err as Error, options.bodyLimit)
    if (response.internal) writeInternalError(request.method, request.path, err as Error)
    return { status: response.status, text: JSON.stringify(response.body) }
  }
}
