import * as z from 'zod/mini'
import './zod-locale.js'
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
export const MetricDefSchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  description: z.optional(z.string().check(z.maxLength(2000))),
  scoreType: z._default(ScoreTypeSchema, 'numerical'),
  valueType: z._default(MetricValueTypeSchema, 'number'),
  rangeMin: z._default(z.number(), 0),
  rangeMax: z._default(z.number(), 1),
  inverted: z._default(z.boolean(), false),
  threshold: z._default(z.nullable(z.number()), null),
  /** Scored by the server with this catalogued evaluator (src/server/scoring/), not by the client. */
  evaluator: z.optional(ServerEvaluatorRefSchema),
})
export type MetricDef = z.infer<typeof MetricDefSchema>
export type MetricDefInput = z.input<typeof MetricDefSchema>
