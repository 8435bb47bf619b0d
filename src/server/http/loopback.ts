// Which hosts only this machine can reach: one rule for the address the server binds to (start.ts:
// a loopback bind serves without keys) and for the host a request names (browser-guard.ts).

const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/
const LOOPBACK_MAPPED_IPV4 = /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/**
 * `localhost`, an address of 127.0.0.0/8, `::1` or an IPv4-mapped loopback address (bracketed or
 * not). A name that merely starts with `127.` (`127.example.com`) is not one.
 */
export function isLoopbackHost(host: string): boolean {
  const h = unbracketed(host)
  return h === 'localhost' || h === '::1' || LOOPBACK_IPV4.test(h) || LOOPBACK_MAPPED_IPV4.test(h)
}

/**
 * The host name of a request (its `Host` or `Origin`): a loopback host, or a `*.localhost` name,
 * which browsers resolve to loopback themselves (RFC 6761). Not for bind addresses: whether the
 * system resolver maps `*.localhost` to loopback depends on the machine.
 */
export function isLoopbackHostname(hostname: string): boolean {
  return isLoopbackHost(hostname) || unbracketed(hostname).endsWith('.localhost')
}

function unbracketed(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase()
}
