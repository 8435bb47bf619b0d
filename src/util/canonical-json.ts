/**
 * Canonical JSON: `JSON.stringify` with object keys sorted (by UTF-16 code unit order, recursively),
 * no whitespace. Two values that are equal as JSON have the same canonical text, whatever their
 * key order, so it is what content hashes and JSON equality are computed over.
 *
 * Follows JSON.stringify for everything else: `toJSON` is honoured, `undefined`/functions/symbols
 * are omitted from objects and become `null` in arrays, non-finite numbers become `null`.
 * Throws a TypeError on cycles and on BigInt (as JSON.stringify does).
 */
export function canonicalJson(value: unknown): string {
  const text = stringify(value, new Set())
  // Top-level undefined (or a function) has no JSON text; give it a stable, distinct marker.
  return text ?? 'undefined'
}

/** true when both values have the same canonical JSON text. */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

function stringify(value: unknown, seen: Set<object>): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: () => unknown }).toJSON()
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      throw new TypeError('canonicalJson: cannot serialise a BigInt')
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
  }
  if (value === null) return 'null'
  const obj = value as object
  if (seen.has(obj)) throw new TypeError('canonicalJson: cannot serialise a circular structure')
  seen.add(obj)
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((element) => stringify(element, seen) ?? 'null').join(',')}]`
    }
    const record = obj as Record<string, unknown>
    const parts: string[] = []
    for (const key of Object.keys(record).sort()) {
      const text = stringify(record[key], seen)
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`)
    }
    return `{${parts.join(',')}}`
  } finally {
    seen.delete(obj)
  }
}
