import canonicalize from 'canonicalize'

/**
 * Canonical JSON (RFC 8785, via the `canonicalize` package): object keys sorted by UTF-16 code
 * units, no whitespace, ECMAScript number formatting. Two values that are equal as JSON have the
 * same canonical text whatever their key order, so content hashes (item ids, dataset versions,
 * suite versions) and JSON equality are computed over it.
 *
 * Values that are not strict JSON are read as `JSON.stringify` reads them (`toJSON` honoured,
 * `undefined` properties dropped, non-finite numbers → null) and lone surrogates become U+FFFD, so
 * untrusted task output never makes it throw. BigInt and cycles throw a TypeError. A top-level
 * `undefined` gives the text `undefined`.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'undefined'
  // Most values (dataset items, records built with their keys in order) are already canonical as
  // JSON.stringify writes them; checking that is several times cheaper than building the text.
  if (stringifiesCanonically(value, 0)) return JSON.stringify(value)
  try {
    return canonicalize(value) ?? 'undefined'
  } catch (error) {
    if (error instanceof Error && /NaN|Infinity|surrogate/.test(error.message)) {
      return canonicalize(asStrictJson(value)) ?? 'undefined'
    }
    throw new TypeError(`cannot serialise as canonical JSON: ${(error as Error).message}`)
  }
}

/** true when both values have the same canonical JSON text. */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function asStrictJson(value: unknown): unknown {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replace(LONE_SURROGATE, '\uFFFD') : v,
  )
  return text === undefined ? undefined : JSON.parse(text)
}

const PLAIN_DEPTH = 64

/**
 * Whether JSON.stringify(value) is its canonical JSON: only plain objects (keys, in the order
 * JSON.stringify visits them, ascending by UTF-16 code units, as `<` compares strings), arrays (a
 * hole reads as undefined), well-formed strings, finite numbers (both write them as ECMAScript
 * does), booleans and null. Anything else (toJSON, class instances, undefined, out-of-order or
 * integer-like keys, which JSON.stringify visits first, deep nesting, cycles) goes to the library.
 */
function stringifiesCanonically(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      // String.prototype.isWellFormed: Node 20+, ES2024 (this project's TypeScript lib is older)
      return (value as string & { isWellFormed(): boolean }).isWellFormed()
    case 'number':
      return Number.isFinite(value)
    case 'boolean':
      return true
    case 'object':
      break
    default:
      return false
  }
  if (value === null) return true
  if (depth >= PLAIN_DEPTH) return false
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false
  const proto = Object.getPrototypeOf(value)
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false
    for (let i = 0; i < value.length; i++) {
      if (!stringifiesCanonically(value[i], depth + 1)) return false
    }
    return true
  }
  if (proto !== Object.prototype && proto !== null) return false
  let previous: string | undefined
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false
    if (previous !== undefined && !(previous < key)) return false
    previous = key
    if (!stringifiesCanonically((value as Record<string, unknown>)[key], depth + 1)) return false
  }
  return true
}
