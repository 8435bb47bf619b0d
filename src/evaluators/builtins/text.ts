import { canonicalJson } from '../../util/canonical-json.js'
import { excerpt } from '../../util/describe-value.js'
import { defineEvaluator, markFactory } from '../define.js'
import type { Evaluator } from '../types.js'
import {
  type BuiltinOptions,
  checks,
  type ExpectedOptions,
  expectedOf,
  NO_EXPECTED,
  readOptions,
  requireString,
} from './options.js'

export interface ExactMatchOptions extends ExpectedOptions<unknown> {
  /** Compare top-level strings case-sensitively (default true). */
  caseSensitive?: boolean
  /** Trim top-level strings before comparing (default true). */
  trim?: boolean
}

/**
 * `exactMatch`: 1 when the output equals the expected value, else 0 (scoreType boolean).
 * Two strings are compared after trimming (option `trim`, default true) and, with
 * `caseSensitive: false`, lower-casing. Any other values are compared as canonical JSON (object
 * key order ignored, array order significant); no type coercion: `"42"` ≠ `42`.
 * Not applicable (null) when there is no expected value. Default threshold: 1.
 */
export const exactMatch = markFactory(function exactMatch<I = never, O = never, E = never>(
  options?: ExactMatchOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'exactMatch',
    options,
    { expected: checks.any, caseSensitive: checks.boolean, trim: checks.boolean },
    { threshold: 1, description: 'output equals expected (canonical JSON; strings trimmed)' },
  )
  const caseSensitive = options?.caseSensitive ?? true
  const trim = options?.trim ?? true
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    scoreType: 'boolean',
    evaluate(ctx) {
      const expected = expectedOf(options, ctx)
      if (expected === undefined) return NO_EXPECTED
      const output = ctx.output
      let equal: boolean
      if (typeof output === 'string' && typeof expected === 'string') {
        const normalise = (s: string) => {
          const t = trim ? s.trim() : s
          return caseSensitive ? t : t.toLowerCase()
        }
        equal = normalise(output) === normalise(expected)
      } else {
        equal = canonicalJson(output) === canonicalJson(expected)
      }
      return equal
        ? { score: 1 }
        : {
            score: 0,
            reason: `output ${excerpt(output, 80)} does not equal expected ${excerpt(expected, 80)}`,
          }
    },
  })
})

export interface ContainsOptions extends ExpectedOptions<string> {
  /** Default true. */
  caseSensitive?: boolean
}
export interface ContainsListOptions extends ExpectedOptions<string[]> {
  /** Default true. */
  caseSensitive?: boolean
}

/**
 * `contains`: 1 when the output string contains the expected substring, else 0 (scoreType boolean).
 * Output and expected must be strings (an error otherwise). Option `caseSensitive` (default true).
 * Not applicable (null) without an expected value. Default threshold: 1.
 */
export const contains = markFactory(function contains<I = never, O = never, E = never>(
  options?: ContainsOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'contains',
    options,
    { expected: checks.nonEmptyString, caseSensitive: checks.boolean },
    { threshold: 1, description: 'output contains the expected substring' },
  )
  const fold = foldCase(options?.caseSensitive ?? true)
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    scoreType: 'boolean',
    evaluate(ctx) {
      const expected = expectedOf(options, ctx)
      if (expected === undefined) return NO_EXPECTED
      const needle = requireString(name, 'expected', expected)
      const haystack = requireString(name, 'output', ctx.output)
      if (needle === '') throw new TypeError(`${name}: expected is an empty string`)
      return fold(haystack).includes(fold(needle))
        ? { score: 1 }
        : { score: 0, reason: `output does not contain ${excerpt(needle, 80)}` }
    },
  })
})

/**
 * `containsAll`: the share of expected substrings found in the output, `found / expected.length`
 * (scoreType numerical). Expected is a non-empty array of strings (the `expected` option or the
 * item's expected). Option `caseSensitive` (default true). Default threshold: 1 (all must be present).
 */
export const containsAll = markFactory(function containsAll<I = never, O = never, E = never>(
  options?: ContainsListOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'containsAll',
    options,
    { expected: checks.stringList, caseSensitive: checks.boolean },
    { threshold: 1, description: 'share of expected substrings found in output: found / expected' },
  )
  const fold = foldCase(options?.caseSensitive ?? true)
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const expected = expectedOf(options, ctx)
      if (expected === undefined) return NO_EXPECTED
      const needles = requireStringList(name, expected)
      const haystack = fold(requireString(name, 'output', ctx.output))
      const missing = needles.filter((needle) => !haystack.includes(fold(needle)))
      const score = (needles.length - missing.length) / needles.length
      return missing.length === 0
        ? { score }
        : { score, reason: `missing ${missing.map((m) => excerpt(m, 40)).join(', ')}`, metadata: { missing } }
    },
  })
})

/**
 * `containsAny`: 1 when the output contains at least one expected substring, else 0 (scoreType
 * boolean). Expected is a non-empty array of strings. Option `caseSensitive` (default true).
 * Default threshold: 1.
 */
export const containsAny = markFactory(function containsAny<I = never, O = never, E = never>(
  options?: ContainsListOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'containsAny',
    options,
    { expected: checks.stringList, caseSensitive: checks.boolean },
    { threshold: 1, description: 'output contains at least one of the expected substrings' },
  )
  const fold = foldCase(options?.caseSensitive ?? true)
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    scoreType: 'boolean',
    evaluate(ctx) {
      const expected = expectedOf(options, ctx)
      if (expected === undefined) return NO_EXPECTED
      const needles = requireStringList(name, expected)
      const haystack = fold(requireString(name, 'output', ctx.output))
      const found = needles.find((needle) => haystack.includes(fold(needle)))
      return found !== undefined
        ? { score: 1, metadata: { found } }
        : { score: 0, reason: `output contains none of ${needles.map((m) => excerpt(m, 40)).join(', ')}` }
    },
  })
})

export interface RegexOptions extends BuiltinOptions {
  /** The pattern (from your code, never from outputs). A string is compiled with `flags`. */
  pattern: RegExp | string
  /** Flags for a string pattern, e.g. `i`. `g` and `y` are ignored (matching is stateless). */
  flags?: string
}

/**
 * `regex`: 1 when the output string matches the pattern, else 0 (scoreType boolean). The first
 * match is recorded in metadata. Default threshold: 1.
 */
export const regex = markFactory(function regex<I = never, O = never, E = never>(
  options: RegexOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'regex',
    options,
    {
      pattern: (value) =>
        value instanceof RegExp || typeof value === 'string' ? null : 'must be a RegExp or a string',
      flags: checks.string,
    },
    { threshold: 1, description: '' },
  )
  if (options?.pattern === undefined) throw new TypeError('regex(): option "pattern" is required')
  let compiled: RegExp
  try {
    const source = options.pattern instanceof RegExp ? options.pattern.source : options.pattern
    const flags = options.pattern instanceof RegExp ? options.pattern.flags : (options.flags ?? '')
    compiled = new RegExp(source, flags.replace(/[gy]/g, ''))
  } catch (error) {
    throw new TypeError(`regex(): invalid pattern: ${(error as Error).message}`)
  }
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description: description || `output matches ${String(compiled)}`,
    scoreType: 'boolean',
    evaluate(ctx) {
      const match = compiled.exec(requireString(name, 'output', ctx.output))
      return match
        ? { score: 1, metadata: { match: match[0].slice(0, 200), index: match.index } }
        : { score: 0, reason: `output does not match ${String(compiled)}` }
    },
  })
})

export interface LevenshteinOptions extends ExpectedOptions<string> {
  /** Compare case-insensitively when false (default true). */
  caseSensitive?: boolean
}

/** Largest `len(a) × len(b)` levenshtein() computes (about 0.3 s); longer pairs are an error. */
export const MAX_LEVENSHTEIN_CELLS = 100_000_000

/**
 * `levenshtein`: `1 − d / max(len(output), len(expected))` where d is the Levenshtein edit
 * distance (insertions, deletions, substitutions, each cost 1) over Unicode code points; 1 when
 * both are empty. Output and expected must be strings. Not applicable without expected.
 * Default threshold: none (records the similarity; pass `threshold` to gate).
 */
export const levenshtein = markFactory(function levenshtein<I = never, O = never, E = never>(
  options?: LevenshteinOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'levenshtein',
    options,
    { expected: checks.string, caseSensitive: checks.boolean },
    { threshold: null, description: '1 − editDistance / max(len(output), len(expected)); 1 when both empty' },
  )
  const fold = foldCase(options?.caseSensitive ?? true)
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const expected = expectedOf(options, ctx)
      if (expected === undefined) return NO_EXPECTED
      const a = fold(requireString(name, 'output', ctx.output))
      const b = fold(requireString(name, 'expected', expected))
      const similarity = levenshteinSimilarity(a, b)
      if (similarity === null) {
        throw new RangeError(
          `${name}: strings too long to compare (${[...a].length} × ${[...b].length} code points)`,
        )
      }
      return { score: similarity.score, metadata: { distance: similarity.distance } }
    },
  })
})

/** Levenshtein distance over code points, or null when `len(a) × len(b)` exceeds maxCells. */
export function levenshteinDistance(a: string, b: string, maxCells = MAX_LEVENSHTEIN_CELLS): number | null {
  const s = Array.from(a)
  const t = Array.from(b)
  if (s.length === 0) return t.length
  if (t.length === 0) return s.length
  if (s.length * t.length > maxCells) return null
  let previous = new Uint32Array(t.length + 1)
  let current = new Uint32Array(t.length + 1)
  for (let j = 0; j <= t.length; j++) previous[j] = j
  for (let i = 1; i <= s.length; i++) {
    current[0] = i
    const si = s[i - 1]
    for (let j = 1; j <= t.length; j++) {
      const cost = si === t[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    ;[previous, current] = [current, previous]
  }
  return previous[t.length]!
}

/** `1 − d / maxLen` (1 when both are empty), with the distance; null when too long to compute. */
export function levenshteinSimilarity(
  a: string,
  b: string,
  maxCells = MAX_LEVENSHTEIN_CELLS,
): { score: number; distance: number } | null {
  const distance = levenshteinDistance(a, b, maxCells)
  if (distance === null) return null
  const maxLength = Math.max(Array.from(a).length, Array.from(b).length)
  return { score: maxLength === 0 ? 1 : 1 - distance / maxLength, distance }
}

function foldCase(caseSensitive: boolean): (s: string) => string {
  return caseSensitive ? (s) => s : (s) => s.toLowerCase()
}

function requireStringList(builtin: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === 'string' && s !== '')) {
    throw new TypeError(
      `${builtin}: expected must be a non-empty array of non-empty strings, got ${excerpt(value)}`,
    )
  }
  return value as string[]
}
