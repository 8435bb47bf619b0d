import { describeValue } from '../util/describe-value.js'
import { toEvaluator } from './adapt.js'
import type { Evaluator, EvaluatorLike } from './types.js'

/**
 * Checks an evaluator list up front (describeEval calls it while defining the suite) and returns
 * it as Evaluators. Throws a TypeError naming the index and what was given for a non-evaluator,
 * and for two evaluators with the same name.
 */
export function validateEvaluators(list: unknown): Evaluator[] {
  if (!Array.isArray(list)) {
    throw new TypeError(`evaluators must be an array, got ${describeValue(list)}`)
  }
  const firstIndexOf = new Map<string, number>()
  return list.map((like: unknown, index) => {
    let evaluator: Evaluator
    try {
      evaluator = toEvaluator(like as EvaluatorLike)
    } catch (error) {
      throw new TypeError(`evaluators[${index}]: ${(error as Error).message}`, { cause: error })
    }
    const first = firstIndexOf.get(evaluator.name)
    if (first !== undefined) {
      throw new TypeError(
        `evaluators[${index}] and evaluators[${first}] are both named "${evaluator.name}": ` +
          `metric names must be unique; give one another name (e.g. { name: '${evaluator.name}-2' } for a ` +
          'built-in, or named(scorer, "...")',
      )
    }
    firstIndexOf.set(evaluator.name, index)
    return evaluator
  })
}
