// Public entry point of `evalgate`: what eval files use. Every Vitest worker imports it, so it loads
// only what a worker runs (describeEval, datasets, evaluators); the client and the zod schemas are
// the `evalgate/client` and `evalgate/schema` entries, and the module-level client functions below
// load the client on their first call. Types of every module are re-exported here.

export type * from './client/index.js'
// client: the module-level functions (loaded on first call) and a server-backed dataset
export {
  addDatasetItem,
  closeDefaultClient,
  createDataset,
  createRun,
  getDataset,
  getRunResults,
  runTestSuite,
} from './client/lazy-defaults.js'
export { type ServerDatasetOptions, serverDataset } from './client/server-dataset.js'
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
// shared API shapes (types; the schemas themselves are `evalgate/schema`)
export type * from './schema/index.js'
export type { DescribeEvalOptions, EvalTask, TaskResult } from './vitest/describe-eval.js'
// describeEval (Vitest adapter of core)
export { describeEval } from './vitest/describe-eval.js'
