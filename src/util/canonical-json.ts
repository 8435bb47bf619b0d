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
