import { describeValue } from '../../util/describe-value.js'
import { checkName, checkThreshold } from '../define.js'
import type { EvalContext } from '../types.js'

/** Options every built-in accepts. */
export interface BuiltinOptions {
  /** Metric name; defaults to the built-in's name. Set it to use two instances in one suite. */
  name?: string
  /** Pass threshold in [0, 1]; `null` records the score without gating. Each built-in documents its default. */
  threshold?: number | null
  /** Overrides the built-in's description (its formula) in the metric definition. */
  description?: string
}

/** Options of built-ins that compare against an expected value. */
export interface ExpectedOptions<T> extends BuiltinOptions {
  /** Compare against this value instead of the item's `expected`. */
  expected?: T
}

type Check = (value: unknown) => string | null

export const checks = {
  boolean: (value: unknown) => (typeof value === 'boolean' ? null : 'must be a boolean'),
  string: (value: unknown) => (typeof value === 'string' ? null : 'must be a string'),
  nonEmptyString: (value: unknown) =>
    typeof value === 'string' && value !== '' ? null : 'must be a non-empty string',
  nonNegative: (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? null : 'must be a finite number >= 0',
  positive: (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? null : 'must be a finite number > 0',
  any: () => null,
  stringList: (value: unknown) =>
    Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string' && s !== '')
      ? null
      : 'must be a non-empty array of non-empty strings',
  oneOf:
    (...allowed: string[]) =>
    (value: unknown) =>
      allowed.includes(value as string) ? null : `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`,
} satisfies Record<string, Check | ((...args: string[]) => Check)>

/**
 * Validates a built-in's options: unknown keys and wrong types throw a TypeError naming the
 * built-in and the option. Returns the metric name, threshold and description to use.
 */
export function readOptions(
  builtin: string,
  options: unknown,
  specific: Record<string, Check>,
  defaults: { threshold: number | null; description: string },
): { name: string; threshold: number | null; description: string } {
  if (options === undefined) return { name: builtin, ...defaults }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${builtin}(): options must be an object, got ${describeValue(options)}`)
  }
  const record = options as Record<string, unknown>
  const known = ['name', 'threshold', 'description', ...Object.keys(specific)]
  for (const [key, value] of Object.entries(record)) {
    if (!known.includes(key)) {
      throw new TypeError(`${builtin}(): unknown option "${key}" (options: ${known.join(', ')})`)
    }
    if (value === undefined) continue
    const problem = specific[key]?.(value)
    if (problem) throw new TypeError(`${builtin}(): option "${key}" ${problem}, got ${describeValue(value)}`)
  }
  const name = record.name === undefined ? builtin : checkName(record.name)
  const threshold = record.threshold === undefined ? defaults.threshold : (record.threshold as number | null)
  if (threshold !== null) checkThreshold(`${builtin}()`, threshold)
  const description = record.description === undefined ? defaults.description : record.description
  if (typeof description !== 'string') {
    throw new TypeError(
      `${builtin}(): option "description" must be a string, got ${describeValue(description)}`,
    )
  }
  return { name, threshold, description }
}

/** The value to compare against: the `expected` option when given, else the item's expected. */
export function expectedOf(options: { expected?: unknown } | undefined, ctx: EvalContext): unknown {
  return options?.expected !== undefined ? options.expected : ctx.expected
}

export const NO_EXPECTED = {
  score: null,
  reason: 'not applicable: the item has no expected value (set it on the item or pass the expected option)',
} as const

/** Throws a TypeError when the output is not a string (outputs are untrusted; nothing is coerced). */
export function requireString(builtin: string, what: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new TypeError(`${builtin}: ${what} must be a string, got ${describeValue(value)}`)
  return value
}
