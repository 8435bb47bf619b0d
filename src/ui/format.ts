/** Formatting of numbers, times and JSON values for display (always plain strings). */

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`
}

export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '–'
  return Number.isInteger(x) ? String(x) : x.toFixed(digits)
}

export function signed(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '–'
  const s = x.toFixed(digits)
  return x > 0 ? `+${s}` : s
}

export function ms(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–'
  if (x < 1000) return `${Math.round(x)} ms`
  if (x < 60_000) return `${(x / 1000).toFixed(2)} s`
  return `${Math.floor(x / 60_000)} min ${Math.round((x % 60_000) / 1000)} s`
}

export function usd(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–'
  return x === 0 ? '$0' : x < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(3)}`
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '–'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}

/** A JSON value as text: strings as they are, everything else pretty-printed. */
export function jsonText(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value === 'string') return value
  return JSON.stringify(value, null, 2)
}

/** One-line excerpt of a JSON value for tables. */
export function excerpt(value: unknown, max = 140): string {
  if (value === undefined) return ''
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}
