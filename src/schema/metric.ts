import * as z from 'zod'
import { ServerEvaluatorRefSchema } from './evaluators.js'

export const ScoreTypeSchema = z.enum(['boolean', 'numerical', 'categorical'])
export type ScoreType = z.infer<typeof ScoreTypeSchema>

/** How a metric's run-level value is expressed (Gradient's metric_value_type). */
export const MetricValueTypeSchema = z.enum(['number', 'string', 'percentage'])
export type MetricValueType = z.infer<typeof MetricValueTypeSchema>

/**
 * A metric is an evaluator's identity. Scores are in [rangeMin, rangeMax] (always [0, 1] for
 * evaluators written with evalgate). An item passes a thresholded metric when
 * `score >= threshold`, or `score <= threshold` when the metric is inverted.
 */
export const MetricDefSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    scoreType: ScoreTypeSchema.default('numerical'),
    valueType: MetricValueTypeSchema.default('number'),
    rangeMin: z.number().default(0),
    rangeMax: z.number().default(1),
    inverted: z.boolean().default(false),
    threshold: z.number().nullable().default(null),
    /** Scored by the server with this catalogued evaluator (src/server/scoring/), not by the client. */
    evaluator: ServerEvaluatorRefSchema.optional(),
  })
  .strict()
export type MetricDef = z.infer<typeof MetricDefSchema>
export type MetricDefInput = z.input<typeof MetricDefSchema>
