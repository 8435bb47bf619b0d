/**
 * A short, safe description of an arbitrary (possibly untrusted) value for error messages:
 * its type plus a truncated JSON excerpt, e.g. `string ("abc")`, `number (1.7)`, `object ({"a":1})`.
 */
export function describeValue(value: unknown, maxLength = 60): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return `number (${String(value)})`
  if (typeof value === 'bigint') return `bigint (${String(value)}n)`
  if (typeof value === 'function') {
    const name = (value as { name?: string }).name
    return name ? `function ${name}` : 'anonymous function'
  }
  if (typeof value === 'symbol') return 'symbol'
  const type = Array.isArray(value) ? 'array' : typeof value
  return `${type} (${excerpt(value, maxLength)})`
}

/** JSON text of a value truncated to `maxLength` characters (with an ellipsis), never throwing. */
export function excerpt(value: unknown, maxLength = 60): string {
  let text: string
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text
}
