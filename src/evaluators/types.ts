import type { JsonObject, JsonValue } from '../schema/common.js'
import type { ToolCall, Usage } from '../schema/meta.js'
import type { ScoreType } from '../schema/metric.js'

/** What an evaluator sees for one item × trial. */
export interface EvalContext<I = unknown, O = unknown, E = unknown> {
  input: I
  output: O
  expected: E | undefined
  metadata: JsonObject
  tags: string[]
  /** The task's latency in ms. NaN only when unknown: server-side scoring of a Netra item before its spans arrived. */
  latencyMs: number
  usage: Usage | null
  costUsd: number | null
  toolCalls: ToolCall[] | null
  signal: AbortSignal
}

/** What an evaluator returns once normalised. `score` in [0, 1] or null when not applicable. */
export interface EvalScore {
  score: number | null
  reason?: string
  metadata?: JsonObject
}

/** What a scoring function may return: a number in [0, 1], a boolean, null, or `{ score, reason, metadata }`. */
export type RawScore =
  | number
  | boolean
  | null
  | undefined
  | { score: number | boolean | null; reason?: string; metadata?: Record<string, JsonValue> }

/**
 * The Evaluator contract. An item passes this evaluator when `score >= threshold`
 * (`score <= threshold` when `inverted`); without a threshold the evaluator only records a score.
 */
export interface Evaluator<I = unknown, O = unknown, E = unknown> {
  readonly name: string
  readonly scoreType: ScoreType
  readonly threshold: number | null
  readonly inverted: boolean
  readonly description?: string
  evaluate(ctx: EvalContext<I, O, E>): RawScore | Promise<RawScore>
}

/**
 * An autoevals-style scorer: a function of `{ input, output, expected, metadata }` returning
 * `{ name, score, metadata }` (score in [0, 1] or null). Accepted unchanged wherever an Evaluator is.
 */
export type AutoevalsScorer = AutoevalsScorerFn & { name: string }

/** What evalgate passes to an autoevals-style scorer. */
export interface AutoevalsArgs {
  // optional in the type (always passed) so scorers that declare only { output, expected } fit
  input?: unknown
  output: unknown
  expected?: unknown
  metadata?: unknown
  [key: string]: unknown
}

// Declared as a method so its parameter is checked bivariantly: scorers typed for a specific
// output (autoevals' `Scorer<string, {}>`) are accepted without casts.
type AutoevalsScorerFn = {
  bivarianceHack(args: AutoevalsArgs): AutoevalsScore | Promise<AutoevalsScore>
}['bivarianceHack']
export interface AutoevalsScore {
  name: string
  score: number | null
  metadata?: Record<string, unknown>
  error?: unknown
}

export type EvaluatorLike<I = unknown, O = unknown, E = unknown> = Evaluator<I, O, E> | AutoevalsScorer
