import { describeValue } from '../util/describe-value.js'
import { checkName, defineEvaluator, isDefinedEvaluator, isFactory } from './define.js'
import type {
  AutoevalsScore,
  AutoevalsScorer,
  EvalContext,
  Evaluator,
  EvaluatorLike,
  RawScore,
} from './types.js'

export interface AdaptOptions {
  /** Name of the metric; default: the evaluator's name or the scorer function's `.name`. */
  name?: string
}

/** true for Evaluator objects (built by evalgate, or hand-written with `name` and `evaluate`). */
export function isEvaluator(value: unknown): value is Evaluator {
  if (isDefinedEvaluator(value)) return true
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { evaluate?: unknown }).evaluate === 'function' &&
    typeof (value as { name?: unknown }).name === 'string'
  )
}

/**
 * Turns anything accepted in an evaluator list into an Evaluator:
 * - an evaluator built by evalgate is returned unchanged;
 * - a hand-written `{ name, evaluate, threshold?, inverted?, scoreType?, description? }` object is
 *   validated (missing fields take their defaults);
 * - a function is an autoevals-style scorer: called with `{ input, output, expected, metadata }`,
 *   it returns `{ name, score, metadata? }` (or a plain score). The metric is named after the
 *   function's `.name` (anonymous functions need a name: `named(fn, 'my-metric')`) and has no
 *   threshold unless wrapped with `withThreshold(fn, 0.7)`.
 * Anything else throws a TypeError saying what was given.
 */
export function toEvaluator<I = unknown, O = unknown, E = unknown>(
  like: EvaluatorLike<I, O, E>,
  options: AdaptOptions = {},
): Evaluator<I, O, E> {
  if (isDefinedEvaluator(like) && options.name === undefined) return like as Evaluator<I, O, E>
  if (isEvaluator(like)) {
    const source = like as Evaluator<I, O, E>
    return defineEvaluator<I, O, E>({
      name: options.name ?? source.name,
      scoreType: source.scoreType,
      threshold: source.threshold,
      inverted: source.inverted,
      ...(source.description === undefined ? {} : { description: source.description }),
      evaluate: (ctx) => source.evaluate(ctx),
    })
  }
  if (typeof like === 'function') {
    if (isFactory(like)) {
      const name = (like as { name: string }).name
      throw new TypeError(`${name} is an evaluator factory, not an evaluator: call it, e.g. ${name}()`)
    }
    return fromScorer<I, O, E>(like as AutoevalsScorer, options.name)
  }
  if (
    like !== null &&
    typeof like === 'object' &&
    typeof (like as { evaluate?: unknown }).evaluate === 'function'
  ) {
    throw new TypeError(
      `an evaluator object needs a non-empty string name, got ${describeValue((like as { name?: unknown }).name)}`,
    )
  }
  throw new TypeError(
    `not an evaluator: got ${describeValue(like)} (expected an evaluator such as levenshtein(), ` +
      'an evaluator(name, fn) or an autoevals-style scorer function)',
  )
}

function fromScorer<I, O, E>(scorer: AutoevalsScorer, name: string | undefined): Evaluator<I, O, E> {
  const metric = name ?? scorer.name
  if (!metric) {
    throw new TypeError(
      'an anonymous scorer function needs a name: use a named function or named(fn, "my-metric")',
    )
  }
  checkName(metric)
  return defineEvaluator<I, O, E>({
    name: metric,
    description: `autoevals-style scorer ${scorer.name || metric}`,
    async evaluate(ctx: EvalContext<I, O, E>): Promise<RawScore> {
      const result = (await scorer({
        input: ctx.input,
        output: ctx.output,
        expected: ctx.expected,
        metadata: ctx.metadata,
      })) as AutoevalsScore | RawScore
      if (result !== null && typeof result === 'object' && 'error' in result && result.error != null) {
        const error = result.error
        throw error instanceof Error
          ? error
          : new Error(typeof error === 'string' ? error : describeValue(error))
      }
      if (result !== null && typeof result === 'object' && 'score' in result) {
        // Keep score, metadata and an optional reason; the scorer's own `name` is not the metric name.
        const { score, metadata } = result as AutoevalsScore
        const reason = (result as { reason?: unknown }).reason
        return {
          score: score as number | null,
          ...(metadata === undefined ? {} : { metadata: metadata as Record<string, never> }),
          ...(reason === undefined ? {} : { reason: reason as string }),
        }
      }
      return result as RawScore
    },
  })
}

/** An evaluator (or autoevals scorer) with a pass threshold: passes when `score >= threshold` (`<=` if inverted). */
export function withThreshold<I = unknown, O = unknown, E = unknown>(
  like: EvaluatorLike<I, O, E>,
  threshold: number | null,
  options: AdaptOptions & { inverted?: boolean } = {},
): Evaluator<I, O, E> {
  const base = toEvaluator<I, O, E>(like, options.name === undefined ? {} : { name: options.name })
  return defineEvaluator<I, O, E>({
    name: base.name,
    scoreType: base.scoreType,
    threshold,
    inverted: options.inverted ?? base.inverted,
    ...(base.description === undefined ? {} : { description: base.description }),
    evaluate: (ctx) => base.evaluate(ctx),
  })
}

/** The same evaluator (or autoevals scorer) under another metric name, e.g. to use two instances side by side. */
export function named<I = unknown, O = unknown, E = unknown>(
  like: EvaluatorLike<I, O, E>,
  name: string,
): Evaluator<I, O, E> {
  return toEvaluator<I, O, E>(like, { name })
}
