import { canonicalJson } from '../../util/canonical-json.js'
import { describeValue } from '../../util/describe-value.js'
import { findNonJson, formatPath, type JsonPath } from '../../util/json-check.js'
import { defineEvaluator, markFactory } from '../define.js'
import type { Evaluator } from '../types.js'
import { numericSimilarity } from './numeric.js'
import {
  type BuiltinOptions,
  checks,
  type ExpectedOptions,
  expectedOf,
  NO_EXPECTED,
  readOptions,
} from './options.js'
import { levenshteinSimilarity } from './text.js'

/** The Standard Schema interface (zod 4, valibot, arktype… implement it). */
export interface StandardSchemaLike {
  readonly '~standard': {
    readonly validate: (value: unknown) => StandardResult | Promise<StandardResult>
  }
}
type StandardResult =
  | { readonly value: unknown; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string
        readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
      }>
    }

export interface JsonValidOptions extends BuiltinOptions {
  /** A zod (or any Standard Schema) schema the parsed output must satisfy. */
  schema?: StandardSchemaLike
}

/**
 * `jsonValid`: 1 when the output is valid JSON, else 0 (scoreType boolean). A string output is
 * parsed with JSON.parse; any other output must already be plain JSON (objects, arrays, strings,
 * finite numbers, booleans, null). With `schema`, the parsed value must also satisfy it; the
 * reason lists the first three issues (`path: message`). Default threshold: 1.
 */
export const jsonValid = markFactory(function jsonValid<I = never, O = never, E = never>(
  options?: JsonValidOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'jsonValid',
    options,
    {
      schema: (value) =>
        value !== null &&
        typeof value === 'object' &&
        typeof (value as StandardSchemaLike)['~standard']?.validate === 'function'
          ? null
          : 'must be a zod schema (or another Standard Schema)',
    },
    {
      threshold: 1,
      description: options?.schema ? 'output is JSON matching the schema' : 'output is valid JSON',
    },
  )
  const schema = options?.schema
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    scoreType: 'boolean',
    async evaluate(ctx) {
      const parsed = parseOutput(ctx.output)
      if (!parsed.ok) return { score: 0, reason: parsed.reason }
      if (!schema) return { score: 1 }
      const result = await schema['~standard'].validate(parsed.value)
      if (!result.issues) return { score: 1 }
      const issues = result.issues.map((issue) => {
        const path = formatPath(
          (issue.path ?? []).map((part) => (typeof part === 'object' ? part.key : part)),
        )
        return `${path || '(root)'}: ${issue.message}`
      })
      return {
        score: 0,
        reason: `does not match the schema: ${issues.slice(0, 3).join('; ')}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`,
        metadata: { issues: issues.slice(0, 20) },
      }
    },
  })
})

function parseOutput(output: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof output === 'string') {
    try {
      return { ok: true, value: JSON.parse(output) }
    } catch (error) {
      return { ok: false, reason: `output is not valid JSON: ${(error as Error).message}` }
    }
  }
  if (output === undefined) return { ok: false, reason: 'the task returned no output' }
  const found = findNonJson(output)
  if (found)
    return {
      ok: false,
      reason: `output is not JSON at ${formatPath(found.path) || '(root)'}: ${found.problem}`,
    }
  return { ok: true, value: output }
}

export interface JsonDiffOptions extends ExpectedOptions<unknown> {
  /** How two strings compare: `levenshtein` similarity (default) or `exact` (1/0). */
  strings?: 'levenshtein' | 'exact'
}

/**
 * `jsonDiff`: recursive similarity of the output to the expected JSON value, in [0, 1]:
 * - objects: mean over the union of keys (keys whose value is undefined count as absent); a key
 *   missing on either side scores 0; two empty objects score 1;
 * - arrays: by position, `Σ sim(out[i], exp[i]) over i < min(len) / max(len)`; two empty arrays 1;
 * - strings: levenshtein similarity (`strings: 'exact'` for 1/0); numbers: numericDiff's
 *   `1 − |a − b| / max(|a|, |b|)`; booleans and null: 1 when equal; different types: 0.
 * A string output is parsed as JSON first when the expected value is not a string (not valid
 * JSON → 0). Below depth 64, values are compared as canonical JSON (1/0). The differing paths
 * are listed in metadata and the reason. Not applicable without expected. Default threshold: none.
 */
export const jsonDiff = markFactory(function jsonDiff<I = never, O = never, E = never>(
  options?: JsonDiffOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'jsonDiff',
    options,
    { expected: checks.any, strings: checks.oneOf('levenshtein', 'exact') },
    {
      threshold: null,
      description: 'recursive JSON similarity: objects averaged over the union of keys, arrays by position',
    },
  )
  const exactStrings = options?.strings === 'exact'
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const expected = expectedOf(options, ctx)
      if (expected === undefined) return NO_EXPECTED
      let output = ctx.output
      if (typeof output === 'string' && typeof expected !== 'string') {
        try {
          output = JSON.parse(output)
        } catch (error) {
          return { score: 0, reason: `output is not valid JSON: ${(error as Error).message}` }
        }
      }
      const diffs: Diff[] = []
      const score = jsonSimilarity(output, expected, { exactStrings, diffs })
      const shown = diffs.slice(0, 10)
      return {
        score,
        ...(shown.length === 0
          ? {}
          : {
              reason: `differs at ${shown.map((d) => `${d.path || '(root)'} (${d.note})`).join(', ')}${diffs.length > shown.length ? `, +${diffs.length - shown.length} more` : ''}`,
              metadata: { diffs: shown.map((d) => ({ path: d.path, score: d.score, note: d.note })) },
            }),
      }
    },
  })
})

interface Diff {
  path: string
  score: number
  note: string
}

const MAX_DEPTH = 64

/** The jsonDiff similarity of two values (see jsonDiff). Collects leaf differences into `diffs`. */
export function jsonSimilarity(
  output: unknown,
  expected: unknown,
  options: { exactStrings?: boolean; diffs?: Diff[] } = {},
): number {
  const diffs = options.diffs ?? []
  return similarity(output, expected, [], { exactStrings: options.exactStrings ?? false, diffs })
}

function similarity(
  a: unknown,
  b: unknown,
  path: JsonPath,
  opts: { exactStrings: boolean; diffs: Diff[] },
): number {
  const note = (score: number, text: string, at: JsonPath = path) => {
    if (score < 1 && opts.diffs.length < 1000) opts.diffs.push({ path: formatPath(at), score, note: text })
    return score
  }
  if (path.length >= MAX_DEPTH) {
    return note(canonicalJson(a) === canonicalJson(b) ? 1 : 0, 'differs (compared whole below max depth)')
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...definedKeys(a), ...definedKeys(b)])
    if (keys.size === 0) return 1
    let total = 0
    for (const key of keys) {
      if (a[key] === undefined) note(0, 'missing in output', [...path, key])
      else if (b[key] === undefined) note(0, 'not expected', [...path, key])
      else total += similarity(a[key], b[key], [...path, key], opts)
    }
    return total / keys.size
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const longest = Math.max(a.length, b.length)
    if (longest === 0) return 1
    let total = 0
    for (let i = 0; i < Math.min(a.length, b.length); i++) total += similarity(a[i], b[i], [...path, i], opts)
    if (a.length !== b.length) note(0, `length ${a.length}, expected ${b.length}`)
    return total / longest
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return 1
    const score = opts.exactStrings ? 0 : (levenshteinSimilarity(a, b, 1_000_000)?.score ?? 0)
    return note(score, `${score.toFixed(2)}`)
  }
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return 1
    const score = Number.isFinite(a) && Number.isFinite(b) ? numericSimilarity(a, b) : 0
    return note(score, `${a} vs ${b}`)
  }
  if ((typeof a === 'boolean' && typeof b === 'boolean') || (a === null && b === null)) {
    return a === b ? 1 : note(0, `${String(a)} vs ${String(b)}`)
  }
  return note(0, `type ${typeName(a)}, expected ${typeName(b)}`)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function definedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined)
}

function typeName(value: unknown): string {
  return describeValue(value).split(' ')[0]!
}
