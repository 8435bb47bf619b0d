import type { Evaluator } from '../types.js'
import { jsonDiff, jsonValid } from './json.js'
import { listContains, toolCalls } from './lists.js'
import { numericDiff } from './numeric.js'
import { contains, containsAll, containsAny, exactMatch, levenshtein } from './text.js'

/** A built-in evaluator made from nothing but its pass threshold. */
export type BuiltinFactory = (options: { threshold?: number | null }) => Evaluator

/**
 * The built-in evaluators that need no options besides a threshold, by their metric name: what a
 * server can compute for a metric it only knows by name (Gradient test cases, agent runs).
 */
export const BUILTINS_BY_NAME: Readonly<Record<string, BuiltinFactory>> = {
  exactMatch: (o) => exactMatch(o) as Evaluator,
  levenshtein: (o) => levenshtein(o) as Evaluator,
  contains: (o) => contains(o) as Evaluator,
  containsAll: (o) => containsAll(o) as Evaluator,
  containsAny: (o) => containsAny(o) as Evaluator,
  jsonValid: (o) => jsonValid(o) as Evaluator,
  jsonDiff: (o) => jsonDiff(o) as Evaluator,
  numericDiff: (o) => numericDiff(o) as Evaluator,
  listContains: (o) => listContains(o) as Evaluator,
  toolCalls: (o) => toolCalls(o) as Evaluator,
}
