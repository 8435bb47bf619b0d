import { z } from 'zod'
import { JsonObjectSchema, JsonValueSchema, MAX_INT32, TurnTypeSchema } from './common.js'
import { GateSchema, StarMetricSchema } from './gate.js'
import { MetricDefSchema } from './metric.js'

// Every object here is strict: an unknown field (a typo like `costUSD`) is a 400 naming it, never
// silently dropped. The Gradient-compatible schemas (gradient.ts) are the one exception.

export const UsageSchema = z
  .object({
    inputTokens: z.number().int().min(0).max(MAX_INT32),
    outputTokens: z.number().int().min(0).max(MAX_INT32),
  })
  .strict()
export type Usage = z.infer<typeof UsageSchema>

export const ToolCallSchema = z
  .object({
    name: z.string(),
    arguments: JsonValueSchema.optional(),
    result: JsonValueSchema.optional(),
  })
  .strict()
export type ToolCall = z.infer<typeof ToolCallSchema>

/** One evaluator's result on one item. `score` is null when the metric does not apply or the evaluator threw. */
export const ScoreResultSchema = z
  .object({
    metric: z.string().min(1),
    score: z.number().min(0).max(1).nullable(),
    /** null when the metric has no threshold or no score. */
    passed: z.boolean().nullable(),
    threshold: z.number().nullable(),
    inverted: z.boolean(),
    reason: z.string().optional(),
    metadata: JsonObjectSchema.optional(),
    /** Message of the error thrown by the evaluator, if it threw. */
    error: z.string().optional(),
    durationMs: z.number().min(0),
  })
  .strict()
export type ScoreResult = z.infer<typeof ScoreResultSchema>

/** Execution status of one item (× trial): `completed` (task returned), `failed` (task threw), `timeout`. */
export const ItemStatusSchema = z.enum(['completed', 'failed', 'timeout'])
export type ItemStatus = z.infer<typeof ItemStatusSchema>

export const ItemErrorSchema = z
  .object({
    name: z.string(),
    message: z.string(),
    stack: z.string().optional(),
  })
  .strict()
export type ItemError = z.infer<typeof ItemErrorSchema>

/** The complete result of one item × trial. This is both what the test carries in `meta` and what a run item upload is. */
export const ItemResultSchema = z
  .object({
    itemId: z.string().min(1).max(500),
    /** Position of the item in its dataset. */
    index: z.number().int().min(0).max(MAX_INT32),
    /** 0-based trial number. */
    trial: z.number().int().min(0).max(MAX_INT32),
    input: JsonValueSchema,
    expected: JsonValueSchema.optional(),
    tags: z.array(z.string()).default([]),
    metadata: JsonObjectSchema.default({}),
    status: ItemStatusSchema,
    output: JsonValueSchema.nullable(),
    error: ItemErrorSchema.nullable(),
    /** true when the task completed and no thresholded evaluator failed. */
    passed: z.boolean(),
    latencyMs: z.number().min(0),
    startedAt: z.string(),
    usage: UsageSchema.nullable(),
    costUsd: z.number().min(0).nullable(),
    toolCalls: z.array(ToolCallSchema).nullable(),
    /** 32 lowercase hex chars. */
    traceId: z.string().regex(/^[0-9a-f]{32}$/),
    /** 16 lowercase hex chars. */
    spanId: z.string().regex(/^[0-9a-f]{16}$/),
    scores: z.array(ScoreResultSchema),
  })
  .strict()
export type ItemResult = z.infer<typeof ItemResultSchema>
export type ItemResultInput = z.input<typeof ItemResultSchema>

/** A suite's definition: what makes a new suite version when it changes (dataset version, metrics, star, gate). */
export const SuiteDefSchema = z
  .object({
    name: z.string().min(1).max(300),
    description: z.string().max(5000).optional(),
    dataset: z
      .object({
        name: z.string().min(1).max(300),
        /** Content hash of the dataset (see dataset/version). */
        version: z.string().min(1).max(200),
        size: z.number().int().min(0).max(MAX_INT32),
      })
      .strict(),
    turnType: TurnTypeSchema.default('single'),
    metrics: z.array(MetricDefSchema),
    star: StarMetricSchema.nullable().default(null),
    gate: GateSchema.nullable().default(null),
  })
  .strict()
export type SuiteDef = z.infer<typeof SuiteDefSchema>
export type SuiteDefInput = z.input<typeof SuiteDefSchema>

/** What `describeEval` writes to `task.meta.evalgate` for every item test. */
export const EvalMetaSchema = z.object({
  schemaVersion: z.literal(1),
  suite: SuiteDefSchema,
  /** Source file of the suite, relative to the Vitest root when known. */
  file: z.string().optional(),
  trials: z.number().int().min(1),
  result: ItemResultSchema,
})
export type EvalMeta = z.infer<typeof EvalMetaSchema>

export const EVAL_META_KEY = 'evalgate' as const
