import type { JsonObject, JsonValue } from '../schema/common.js'

/**
 * Converts an untrusted value (evaluator metadata, scorer output) to plain JSON without throwing:
 * non-finite numbers become null, BigInt becomes its decimal string, `undefined`/functions/symbols
 * are dropped from objects (null in arrays), cycles become the string "[Circular]",
 * `toJSON` is honoured and nesting deeper than `maxDepth` becomes "[Truncated]".
 */
export function toJsonValue(value: unknown, maxDepth = 50): JsonValue {
  return convert(value, new Set(), maxDepth) ?? null
}

/** Like toJsonValue for a record; a non-object input gives `{ value: <json> }`. */
export function toJsonObject(value: unknown): JsonObject {
  const json = toJsonValue(value)
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) return json
  return { value: json }
}

function convert(value: unknown, seen: Set<object>, depth: number): JsonValue | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    try {
      value = (value as { toJSON: () => unknown }).toJSON()
    } catch {
      return '[Unserialisable]'
    }
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      return value.toString()
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
  }
  if (value === null) return null
  const obj = value as object
  if (seen.has(obj)) return '[Circular]'
  if (depth <= 0) return '[Truncated]'
  seen.add(obj)
  try {
    if (Array.isArray(obj)) return obj.map((element) => convert(element, seen, depth - 1) ?? null)
    const out: JsonObject = {}
    for (const [key, element] of Object.entries(obj)) {
      const converted = convert(element, seen, depth - 1)
      if (converted !== undefined) out[key] = converted
    }
    return out
  } finally {
    seen.delete(obj)
  }
}
