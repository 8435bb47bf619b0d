// The framework-free engine: one item (task → evaluators → result), timeouts, trials, OTel spans.
export { EvalTimeoutError, TaskResultError, toItemError } from './errors.js'
export { metricOf, notEvaluated, runEvaluators, unscored } from './evaluate.js'
export { isValidSpanId, isValidTraceId, randomSpanId, randomTraceId } from './ids.js'
export { createLimiter, type Limiter } from './limiter.js'
export { type RunItemOptions, runItem } from './run-item.js'
export { type RunSuiteOptions, runSuite } from './run-suite.js'
export {
  isTaskResult,
  type NormalisedTaskReturn,
  normaliseTaskReturn,
  type TaskResult,
  toJson,
} from './task-result.js'
export { type ItemSpan, type SpanIds, startItemSpan, TRACER_NAME } from './tracing.js'
export type { EvalTask, TaskContext } from './types.js'
