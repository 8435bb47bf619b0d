import type { ScoreType } from '../schema/metric.js'
import { describeValue } from '../util/describe-value.js'
import type { EvalContext, Evaluator, RawScore } from './types.js'

const SCORE_TYPES: readonly ScoreType[] = ['boolean', 'numerical', 'categorical']

/** Marks evaluator objects built by evalgate (so toEvaluator can return them unchanged). */
const EVALUATOR = Symbol.for('evalgate.evaluator')
/** Marks built-in evaluator factories (so passing `levenshtein` instead of `levenshtein()` is caught). */
const FACTORY = Symbol.for('evalgate.evaluatorFactory')

export interface EvaluatorSpec<I = unknown, O = unknown, E = unknown> {
  name: string
  scoreType?: ScoreType
  threshold?: number | null
  inverted?: boolean
  description?: string
  evaluate(ctx: EvalContext<I, O, E>): RawScore | Promise<RawScore>
}

/** Builds a frozen, validated Evaluator. Bad fields throw a TypeError naming the evaluator and field. */
export function defineEvaluator<I = unknown, O = unknown, E = unknown>(
  spec: EvaluatorSpec<I, O, E>,
): Evaluator<I, O, E> {
  const name = checkName(spec.name)
  const label = `evaluator "${name}"`
  const scoreType = spec.scoreType ?? 'numerical'
  if (!SCORE_TYPES.includes(scoreType)) {
    throw new TypeError(
      `${label}: scoreType must be one of ${SCORE_TYPES.join(', ')}, got ${describeValue(scoreType)}`,
    )
  }
  const threshold = spec.threshold ?? null
  if (threshold !== null) checkThreshold(label, threshold)
  const inverted = spec.inverted ?? false
  if (typeof inverted !== 'boolean')
    throw new TypeError(`${label}: inverted must be a boolean, got ${describeValue(inverted)}`)
  if (
    spec.description !== undefined &&
    (typeof spec.description !== 'string' || spec.description.length > 2000)
  ) {
    throw new TypeError(`${label}: description must be a string of at most 2000 characters`)
  }
  if (typeof spec.evaluate !== 'function') {
    throw new TypeError(`${label}: evaluate must be a function, got ${describeValue(spec.evaluate)}`)
  }
  const evaluate = spec.evaluate
  const evaluator: Evaluator<I, O, E> = {
    name,
    scoreType,
    threshold,
    inverted,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    evaluate: (ctx) => evaluate(ctx),
  }
  Object.defineProperty(evaluator, EVALUATOR, { value: true })
  return Object.freeze(evaluator)
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    throw new TypeError(
      `an evaluator name must be a non-empty string of at most 200 characters, got ${describeValue(name)}`,
    )
  }
  return name
}

export function checkThreshold(label: string, threshold: unknown): asserts threshold is number {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new TypeError(
      `${label}: threshold must be a number in [0, 1] (or null), got ${describeValue(threshold)}`,
    )
  }
}

/** true for evaluator objects built by evalgate. */
export function isDefinedEvaluator(value: unknown): value is Evaluator {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EVALUATOR] === true
}

/** Tags a built-in factory so that passing it uncalled gives a helpful error. */
export function markFactory<F extends (...args: never[]) => Evaluator>(factory: F): F {
  Object.defineProperty(factory, FACTORY, { value: true })
  return factory
}

export function isFactory(value: unknown): boolean {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[FACTORY] === true
}
