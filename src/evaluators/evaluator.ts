import type { ScoreType } from '../schema/metric.js'
import { describeValue } from '../util/describe-value.js'
import { checkName, defineEvaluator } from './define.js'
import type { EvalContext, Evaluator, RawScore } from './types.js'

export interface EvaluatorOptions {
  /** Pass when `score >= threshold` (`<=` when inverted). Default: none, except scoreType boolean → 1 (0 when inverted). */
  threshold?: number | null
  /** Lower is better (e.g. a toxicity score). Default false. */
  inverted?: boolean
  /** Default `numerical`. With `boolean`, scores must be 0/1 (or true/false) and the default threshold is 1. */
  scoreType?: ScoreType
  description?: string
}

const OPTION_KEYS = new Set(['threshold', 'inverted', 'scoreType', 'description'])

/**
 * Wraps a plain scoring function. It may return (or resolve to) a number in [0, 1], a boolean
 * (true → 1, false → 0), null (the metric does not apply to this item) or `{ score, reason?, metadata? }`.
 * A boolean result without a configured threshold is judged against 1 (0 when inverted), so
 * `evaluator('mentions-policy', ({ output }) => output.includes('30 days'))` fails items that return false.
 */
export function evaluator<I = unknown, O = unknown, E = unknown>(
  name: string,
  fn: (ctx: EvalContext<I, O, E>) => RawScore | Promise<RawScore>,
  options: EvaluatorOptions = {},
): Evaluator<I, O, E> {
  checkName(name)
  if (typeof fn !== 'function') {
    throw new TypeError(
      `evaluator "${name}": the scoring function must be a function, got ${describeValue(fn)}`,
    )
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`evaluator "${name}": options must be an object, got ${describeValue(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(
        `evaluator "${name}": unknown option "${key}" (options: ${[...OPTION_KEYS].join(', ')})`,
      )
    }
  }
  const inverted = options.inverted ?? false
  const threshold =
    options.threshold !== undefined
      ? options.threshold
      : options.scoreType === 'boolean'
        ? inverted === true
          ? 0
          : 1
        : null
  return defineEvaluator<I, O, E>({
    name,
    scoreType: options.scoreType ?? 'numerical',
    threshold,
    inverted,
    ...(options.description === undefined ? {} : { description: options.description }),
    evaluate: fn,
  })
}
