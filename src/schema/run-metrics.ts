import * as z from 'zod/mini'
import './zod-locale.js'

export const RUN_METRIC_TYPES = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'kappa',
  'mean',
  'median',
  'p95',
] as const
export type RunMetricType = (typeof RUN_METRIC_TYPES)[number]
const CLASSIFICATION: readonly RunMetricType[] = ['accuracy', 'precision', 'recall', 'f1', 'kappa']

/**
 * A run-level metric, computed by the server over all of a run's items (so shards agree), and
 * optionally gated with `min` / `max`. Declared under `gate.runMetrics` by name; a name that is a
 * type (`kappa`, `accuracy`, …) needs no `type`.
 *
 * Classification metrics (accuracy, precision, recall, f1, kappa) compare a prediction with a label
 * per completed item, both read by path from the run item: `output`, `expected`, `metadata.<key>`,
 * `output.<key>`, `expected.<key>`, or `scores.<metric>.choice` (a judge's choice) /
 * `scores.<metric>.score`. Defaults: `predicted: 'output'`, `label: 'expected'`. Values compare
 * as text; items missing either are left out. precision / recall / f1 are for `positive` when set,
 * else the macro average over every label seen; each label's values are in `perLabel`.
 *
 * Distribution metrics (mean, median, p95) are over `of`: a metric's scores, `latencyMs` or `costUsd`.
 */
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max))

export const RunMetricSpecSchema = z.strictObject({
  type: z.optional(z.enum(RUN_METRIC_TYPES)),
  predicted: z.optional(text(1, 300)),
  label: z.optional(text(1, 300)),
  positive: z.optional(z.string().check(z.maxLength(300))),
  of: z.optional(text(1, 300)),
  /** Gate: the value must be >= min. */
  min: z.optional(z.number()),
  /** Gate: the value must be <= max. */
  max: z.optional(z.number()),
})
export type RunMetricSpec = z.infer<typeof RunMetricSpecSchema>

export const RunMetricsSchema = z.record(text(1, 200), RunMetricSpecSchema).check(
  z.superRefine((specs, ctx) => {
    for (const [name, spec] of Object.entries(specs)) {
      const type =
        spec.type ?? (RUN_METRIC_TYPES.includes(name as RunMetricType) ? (name as RunMetricType) : null)
      if (!type) {
        ctx.addIssue({
          code: 'custom',
          path: [name, 'type'],
          message: `run metric "${name}" needs a type: one of ${RUN_METRIC_TYPES.join(', ')}`,
        })
      } else if (!CLASSIFICATION.includes(type) && !spec.of) {
        ctx.addIssue({
          code: 'custom',
          path: [name, 'of'],
          message: `run metric "${name}" (${type}) needs \`of\`: a metric name, latencyMs or costUsd`,
        })
      }
    }
  }),
)

/** Per-label precision, recall, F1 and support (items whose label is that value). */
export const LabelStatsSchema = z.object({
  precision: z.nullable(z.number()),
  recall: z.nullable(z.number()),
  f1: z.nullable(z.number()),
  support: z.number().check(z.int(), z.minimum(0)),
})

export const RunMetricResultSchema = z.object({
  name: z.string(),
  type: z.enum(RUN_METRIC_TYPES),
  /** null when no item had the values it needs (or κ when chance agreement is 1). */
  value: z.nullable(z.number()),
  /** Items the value is computed over. */
  count: z.number().check(z.int(), z.minimum(0)),
  perLabel: z.optional(z.record(z.string(), LabelStatsSchema)),
})
export type RunMetricResult = z.infer<typeof RunMetricResultSchema>

export function runMetricType(name: string, spec: RunMetricSpec): RunMetricType {
  return spec.type ?? (name as RunMetricType)
}

export function isClassification(type: RunMetricType): boolean {
  return CLASSIFICATION.includes(type)
}
