// Public entry point of `evalgate`. Each section re-exports one module's public surface.

// client and programmatic API
export * from './client/index.js'
// datasets
export {
  type CsvDatasetOptions,
  DatasetError,
  type DatasetOptions,
  type DatasetProblem,
  dataset,
  type ItemInput,
} from './dataset/index.js'
export type { Dataset, Item, LoadedDataset } from './dataset/types.js'
// evaluators
export * from './evaluators/index.js'
export type {
  AutoevalsScorer,
  EvalContext,
  EvalScore,
  Evaluator,
  EvaluatorLike,
  RawScore,
} from './evaluators/types.js'
// the one verdict on a run (read it from `run.summary.verdict`; these explain it)
export { explainVerdict, explainVerdicts, verdictPasses } from './gate/index.js'
// record/replay of model calls
export { configureReplay, type ReplaySettings, recorded } from './replay/index.js'
// shared API shapes
export * from './schema/index.js'
export type { DescribeEvalOptions, EvalTask, TaskResult } from './vitest/describe-eval.js'
// describeEval (Vitest adapter of core)
export { describeEval } from './vitest/describe-eval.js'
