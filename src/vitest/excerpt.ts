/**
 * Short, single-line, inert rendering of untrusted values (model outputs, dataset inputs) for test
 * names and failure messages. Strings are JSON-quoted so control characters (including terminal
 * escape sequences) and newlines are shown escaped, never interpreted.
 */
export function excerpt(value: unknown, maxChars: number): string {
  const text = render(value)
  if (text.length <= maxChars) return text
  return `${text.slice(0, maxChars)}… (${text.length - maxChars} more chars)`
}

/** Like {@link excerpt} but without quotes around strings and without the length note (for test names). */
export function label(value: unknown, maxChars: number): string {
  const flat = typeof value === 'string' ? value.replace(/\s+/g, ' ') : value
  const text = (typeof flat === 'string' ? JSON.stringify(flat).slice(1, -1) : render(flat)).trim()
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`
}

function render(value: unknown): string {
  if (value === undefined) return 'undefined'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
