export { type CostOptions, cost, type LatencyOptions, latency } from './budgets.js'
export {
  type JsonDiffOptions,
  type JsonValidOptions,
  jsonDiff,
  jsonSimilarity,
  jsonValid,
  type StandardSchemaLike,
} from './json.js'
export {
  type ExpectedToolCall,
  type ListContainsOptions,
  listContains,
  type ToolCallsOptions,
  toolCalls,
} from './lists.js'
export { type NumericDiffOptions, numericDiff, numericSimilarity } from './numeric.js'
export type { BuiltinOptions, ExpectedOptions } from './options.js'
export {
  type ContainsListOptions,
  type ContainsOptions,
  contains,
  containsAll,
  containsAny,
  type ExactMatchOptions,
  exactMatch,
  type LevenshteinOptions,
  levenshtein,
  levenshteinDistance,
  levenshteinSimilarity,
  type RegexOptions,
  regex,
} from './text.js'
