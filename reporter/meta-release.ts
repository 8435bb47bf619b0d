import { isReplaySummaryReporter } from '../src/vitest/replay-summary.js'

/**
 * Vitest's built-in reporters that print and never read a test's `meta`. With only these (and
 * evalgate's own) configured, nothing after the evalgate reporter reads `meta.evalgate`, so the
 * reporter takes the payload out of the test once it has it: Vitest would otherwise keep every
 * item's result (input, output, scores: ~1 KB each) until the process ends. `json`, `junit`,
 * `blob`, `html`, any custom reporter and the UI keep it (they read it: a JSON report is how users
 * and our own tests look at item results).
 */
const TERMINAL_REPORTERS = new Set([
  'default',
  'basic',
  'dot',
  'verbose',
  'tree',
  'github-actions',
  'hanging-process',
])

/** Whether the reporters Vitest resolved leave no reader of `meta.evalgate` but `isOwn` ones. */
export function canReleaseEvalMeta(
  reporters: readonly unknown[],
  ui: boolean,
  isOwn: (reporter: unknown) => boolean,
): boolean {
  if (ui) return false
  return reporters.every((entry) => {
    const name = typeof entry === 'string' ? entry : Array.isArray(entry) ? entry[0] : undefined
    if (typeof name === 'string') return TERMINAL_REPORTERS.has(name)
    return isOwn(entry) || isReplaySummaryReporter(entry)
  })
}
