import { describeValue } from '../../util/describe-value.js'
import { defineEvaluator, markFactory } from '../define.js'
import type { Evaluator } from '../types.js'
import { checks, type ExpectedOptions, expectedOf, NO_EXPECTED, readOptions } from './options.js'

export interface NumericDiffOptions extends ExpectedOptions<number> {
  /** Absolute difference that still scores 1 (default 0). */
  tolerance?: number
  /** Accept numeric strings such as `"42"` or `" -1.5e3 "` (default false: a string is an error). */
  parseStrings?: boolean
}

/**
 * `numericDiff`: 1 when `|a − b| <= tolerance` (default 0), otherwise
 * `max(0, 1 − |a − b| / max(|a|, |b|))` (relative difference; e.g. 90 vs 100 → 0.9, 5 vs −5 → 0).
 * Output and expected must be finite numbers (numeric strings only with `parseStrings: true`).
 * Not applicable without expected. Default threshold: none.
 */
export const numericDiff = markFactory(function numericDiff<I = never, O = never, E = never>(
  options?: NumericDiffOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'numericDiff',
    options,
    {
      expected: (value) =>
        typeof value === 'number' && Number.isFinite(value) ? null : 'must be a finite number',
      tolerance: checks.nonNegative,
      parseStrings: checks.boolean,
    },
    {
      threshold: null,
      description: '1 if |a − b| <= tolerance, else max(0, 1 − |a − b| / max(|a|, |b|))',
    },
  )
  const tolerance = options?.tolerance ?? 0
  const parseStrings = options?.parseStrings ?? false
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const expectedValue = expectedOf(options, ctx)
      if (expectedValue === undefined) return NO_EXPECTED
      const a = toNumber(name, 'output', ctx.output, parseStrings)
      const b = toNumber(name, 'expected', expectedValue, parseStrings)
      return {
        score: numericSimilarity(a, b, tolerance),
        metadata: { output: a, expected: b, diff: Math.abs(a - b) },
      }
    },
  })
})

/** `1` if `|a − b| <= tolerance`, else `max(0, 1 − |a − b| / max(|a|, |b|))`. */
export function numericSimilarity(a: number, b: number, tolerance = 0): number {
  const diff = Math.abs(a - b)
  if (diff <= tolerance) return 1
  return Math.max(0, 1 - diff / Math.max(Math.abs(a), Math.abs(b)))
}

const NUMERIC = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i

function toNumber(builtin: string, what: string, value: unknown, parseStrings: boolean): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && parseStrings && NUMERIC.test(value.trim())) return Number(value.trim())
  const hint =
    typeof value === 'string' && !parseStrings ? ' (set parseStrings: true to read numeric strings)' : ''
  throw new TypeError(`${builtin}: ${what} must be a finite number, got ${describeValue(value)}${hint}`)
}
