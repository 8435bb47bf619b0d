/**
 * What keeps a web page the user visits away from a keyless loopback server.
 *
 * - DNS rebinding: a page on `evil.example` whose name is rebound to 127.0.0.1 reaches the server
 *   as same-origin, but its requests still carry `Host: evil.example`. Keyless, only loopback
 *   names and addresses (and the configured public URL) are accepted as Host.
 * - CSRF: a cross-site form or `fetch(…, { mode: 'no-cors' })` can POST without preflight. Keyless,
 *   a state-changing request whose `Origin` is not the server's own is refused.
 * With keys required these checks are moot (a page has no key), so they apply to keyless servers.
 *
 * Absolute URLs the server hands out (presigned uploads, pagination links) are built from the
 * configured public URL or the address the connection arrived on, never from `Host`.
 */
import type { AddressInfo } from 'node:net'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ServiceError } from '../service/errors.js'
import { isLoopbackHostname } from './loopback.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The configured public URL of the server (`--public-url`), if any. */
    publicUrl: string | undefined
  }
}

/** Headers on every response: JSON only, never framed, sniffed, cached or leaked through Referer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The hostname of a `Host` header value (`name:port`, `[v6]:port`). */
function hostnameOfHost(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  const colon = host.lastIndexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}

export interface BrowserGuardOptions {
  /** The server's public URL (`--public-url`), when it is reached under another name. */
  publicUrl?: string | undefined
}

export function browserGuard(opts: BrowserGuardOptions) {
  const publicHost = opts.publicUrl ? new URL(opts.publicUrl).host.toLowerCase() : undefined
  const publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin.toLowerCase() : undefined
  const allowedHost = (host: string) =>
    isLoopbackHostname(hostnameOfHost(host)) ||
    (publicHost !== undefined && host.toLowerCase() === publicHost)
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    const host = request.headers.host
    if (typeof host === 'string' && !allowedHost(host)) {
      done(
        new ServiceError(
          403,
          'forbidden_host',
          `Host ${JSON.stringify(host)} is not this server's: without API keys, only loopback names are served (start with --public-url to add one, or require keys)`,
        ),
      )
      return
    }
    const origin = request.headers.origin
    if (STATE_CHANGING.has(request.method) && typeof origin === 'string') {
      let ok = false
      try {
        const u = new URL(origin)
        ok = isLoopbackHostname(u.hostname) || u.origin.toLowerCase() === publicOrigin
      } catch {
        ok = false
      }
      if (!ok) {
        done(
          new ServiceError(
            403,
            'forbidden_origin',
            `${request.method} from the web origin ${JSON.stringify(origin)} refused: a keyless server accepts changes only from its own origin`,
          ),
        )
        return
      }
    }
    done()
  }
}

/** `scheme://host:port` for absolute URLs: the public URL, else the address this connection arrived on. */
export function serverOrigin(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return new URL(publicUrl).origin
  const socket = request.raw.socket
  if (socket.localPort) return originOf(socket.localAddress ?? '127.0.0.1', socket.localPort)
  // served in-process (Fastify `inject`), without a socket of its own
  return boundOrigin(request.server.server.address())
}

/**
 * The origin of a request served in-process (Fastify `inject`, the embedded server's direct
 * dispatch), which has no socket of its own: the address the server is bound to.
 */
export function boundOrigin(bound: AddressInfo | string | null): string {
  if (bound && typeof bound === 'object') {
    const unspecified = bound.address === '0.0.0.0' || bound.address === '::'
    return originOf(unspecified ? '127.0.0.1' : bound.address, bound.port)
  }
  return originOf('127.0.0.1', 80)
}

function originOf(address: string, port: number): string {
  const bare = address.replace(/^::ffff:(?=\d+\.)/, '')
  const host = bare.includes(':') ? `[${bare}]` : bare
  return `http://${host}:${port}`
}
