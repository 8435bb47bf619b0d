import * as chrono from 'chrono-node'

/**
 * Resolves a natural-language date expression against a reference instant, in UTC.
 * Returns `YYYY-MM-DD`, or `YYYY-MM-DDTHH:mm` when the text states a time of day,
 * or null when chrono finds no date in the text.
 */
export function parseDateExpression(text: string, reference: Date): string | null {
  const [first] = chrono.parse(text, { instant: reference, timezone: 'UTC' }, { forwardDate: true })
  if (!first) return null
  const iso = first.start.date().toISOString()
  return first.start.isCertain('hour') ? iso.slice(0, 16) : iso.slice(0, 10)
}

/** Whole days between two `YYYY-MM-DD…` strings (absolute value). */
export function daysApart(a: string, b: string): number {
  const dayMs = 86_400_000
  return Math.abs(Date.parse(a.slice(0, 10)) - Date.parse(b.slice(0, 10))) / dayMs
}
