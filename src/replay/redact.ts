import type { JsonValue } from '../schema/common.js'

export const REDACTED = '[redacted]'

/** Request headers whose values are secrets: never stored, and scrubbed from anything stored. */
const SECRET_HEADERS = [
  'authorization',
  'x-api-key',
  'api-key',
  'proxy-authorization',
  'x-goog-api-key',
  'cookie',
]
/** Query parameters that carry keys (Azure, Gemini, …). */
const SECRET_PARAMS = ['key', 'api_key', 'api-key', 'apikey', 'token', 'access_token', 'sig']
/** Body fields redacted by default. */
const DEFAULT_FIELDS = ['api_key', 'apiKey']

/** Secret values found in the request headers (the bearer token without its scheme too). */
export function secretsOf(headers: Record<string, string>): string[] {
  const secrets: string[] = []
  for (const name of SECRET_HEADERS) {
    const value = headers[name]
    if (!value) continue
    secrets.push(value)
    const token = /^\s*(?:bearer|basic|token)\s+(.+)$/i.exec(value)?.[1]
    if (token) secrets.push(token.trim())
  }
  // Short values would scrub innocent text; real keys are long.
  return secrets.filter((secret) => secret.length >= 8)
}

/** The URL with key-carrying query parameters redacted, and the secret values found there. */
export function redactUrl(url: URL): { url: string; secrets: string[] } {
  const copy = new URL(url)
  const secrets: string[] = []
  for (const name of [...copy.searchParams.keys()]) {
    if (SECRET_PARAMS.includes(name.toLowerCase())) {
      const value = copy.searchParams.get(name)
      if (value && value.length >= 8) secrets.push(value)
      copy.searchParams.set(name, REDACTED)
    }
  }
  copy.username = ''
  copy.password = ''
  return { url: copy.toString(), secrets }
}

/**
 * A copy of a JSON body with the chosen fields replaced by "[redacted]": a plain name matches that
 * key at any depth, a dotted path (`metadata.email`) matches from the root. Secret values are
 * scrubbed from every string.
 */
export function redactJson(
  value: JsonValue,
  fields: readonly string[],
  secrets: readonly string[],
): JsonValue {
  const names = new Set([...DEFAULT_FIELDS, ...fields.filter((field) => !field.includes('.'))])
  const paths = fields.filter((field) => field.includes('.'))
  const walk = (node: JsonValue, path: string): JsonValue => {
    if (typeof node === 'string') return scrub(node, secrets)
    if (node === null || typeof node !== 'object') return node
    if (Array.isArray(node)) return node.map((element) => walk(element, path))
    const out: Record<string, JsonValue> = {}
    for (const [key, child] of Object.entries(node)) {
      const childPath = path ? `${path}.${key}` : key
      out[key] = names.has(key) || paths.includes(childPath) ? REDACTED : walk(child, childPath)
    }
    return out
  }
  return walk(value, '')
}

/** Every occurrence of a secret replaced by "[redacted]". */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join(REDACTED)
  return result
}
