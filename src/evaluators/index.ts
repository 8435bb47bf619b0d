export { isEvaluator, named, toEvaluator, withThreshold } from './adapt.js'
export * from './builtins/index.js'
export { defineEvaluator, type EvaluatorSpec } from './define.js'
export { type EvaluatorOptions, evaluator } from './evaluator.js'
export { metricDefOf } from './metric.js'
export { runEvaluator } from './run.js'
export { type ServerEvaluatorOptions, serverEvaluator, serverEvaluatorRef } from './server.js'
export type {
  AutoevalsScore,
  AutoevalsScorer,
  EvalContext,
  EvalScore,
  Evaluator,
  EvaluatorLike,
  RawScore,
} from './types.js'
export { validateEvaluators } from './validate.js'
