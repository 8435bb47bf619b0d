import * as z from 'zod/mini'
import '../schema/zod-locale.js'
import type { TurnType } from '../schema/common.js'
import { TurnTypeSchema } from '../schema/common.js'
import { type Gate, GateSchema, type StarMetric, StarMetricSchema } from '../schema/gate.js'
import { PARSE_ONCE } from '../schema/parse-once.js'

/** Options of one describeEval suite. */
export interface DescribeEvalOptions {
  /** Suite name. Defaults to the dataset's name; required when items are passed as a plain array. */
  name?: string
  description?: string
  /** Items (× trials) whose task runs at once in this suite. Default 5 (or the plugin's `concurrency`). */
  concurrency?: number
  /**
   * Task time limit per item in ms, counted from when the item acquires its concurrency slot (time
   * spent waiting for a slot does not count). Default 30 000 (or the plugin's `timeout`).
   */
  timeout?: number
  /** Time limit of each evaluator in ms, counted from when evaluation starts. Defaults to `timeout`. */
  evaluatorTimeout?: number
  /** Repeat each item N times; each trial is its own test and its own run item. Default 1. */
  trials?: number
  /** The suite's star metric: a metric name or a full star-metric definition. */
  star?: string | StarMetric
  /** Run-level pass thresholds, applied by the reporter to the run's results. */
  gate?: Gate
  /** Run only the items carrying any of these tags. */
  tags?: string[]
  /** Skip the whole suite when true (or when the function returns true). */
  skipIf?: boolean | (() => boolean)
  /** `single` (default) or `multi` (the input is a list of chat messages). Must match the dataset's. */
  turnType?: TurnType
}

const positiveInt = (what: string) =>
  z
    .number({ error: `must be a number (${what})` })
    .check(z.int('must be an integer'), z.minimum(1, 'must be >= 1'))

const isFunction = (value: unknown): value is () => boolean => typeof value === 'function'

export const DescribeEvalOptionsSchema = z.strictObject({
  name: z.optional(
    z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(300, 'must be at most 300 characters')),
  ),
  description: z.optional(z.string().check(z.maxLength(5000, 'must be at most 5000 characters'))),
  concurrency: z.optional(positiveInt('items in flight')),
  timeout: z.optional(positiveInt('milliseconds')),
  evaluatorTimeout: z.optional(positiveInt('milliseconds')),
  trials: z.optional(positiveInt('repeats per item')),
  star: z.optional(z.union([z.string().check(z.minLength(1, 'must not be empty')), StarMetricSchema])),
  gate: z.optional(GateSchema),
  tags: z.optional(
    z
      .array(z.string().check(z.minLength(1, 'must not be empty')))
      .check(z.minLength(1, 'must list at least one tag')),
  ),
  skipIf: z.optional(
    z.union([z.boolean(), z.custom<() => boolean>(isFunction)], {
      error: 'must be a boolean or a function returning a boolean',
    }),
  ),
  turnType: z.optional(TurnTypeSchema),
})

/** Raised for bad describeEval arguments: names the suite and the offending argument/option. */
export class DescribeEvalError extends Error {
  override name = 'DescribeEvalError'
}

export type ParsedOptions = z.infer<typeof DescribeEvalOptionsSchema>

/** Validates the options object; throws one DescribeEvalError listing every wrong option. */
export function parseOptions(options: unknown, suiteLabel: string): ParsedOptions {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new DescribeEvalError(`${suiteLabel}: options must be an object, got ${typeName(options)}`)
  }
  const parsed = DescribeEvalOptionsSchema.safeParse(options, PARSE_ONCE)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const prefix = issue.path.map((key) => `${String(key)}.`).join('')
      const keys = issue.keys.map((key) => `\`${prefix}${key}\``).join(', ')
      return `unknown option${issue.keys.length > 1 ? 's' : ''} ${keys}`
    }
    const path = issue.path.map(String).join('.')
    const value = valueAt(options, issue.path)
    return `option \`${path}\`: ${issue.message}${value === undefined ? '' : ` (got ${describeValue(value)})`}`
  })
  throw new DescribeEvalError(`${suiteLabel}: invalid options: ${problems.join('; ')}`)
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : typeof value
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (typeof value === 'function') return 'a function'
  return typeName(value)
}
