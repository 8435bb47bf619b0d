import * as z from 'zod/mini'
import './zod-locale.js'
import { RunMetricsSchema } from './run-metrics.js'

const Fraction = z.number().check(z.minimum(0), z.maximum(1))

/** Per-metric run-level thresholds. */
export const MetricGateSchema = z.strictObject({
  /** Minimum mean score over scored items (maximum when the metric is inverted). */
  mean: z.optional(z.number()),
  /** Minimum of the lowest score (maximum of the highest when inverted). */
  min: z.optional(z.number()),
  /** Minimum share of scored items that pass this metric's threshold. */
  passRate: z.optional(Fraction),
})
export type MetricGate = z.infer<typeof MetricGateSchema>

/**
 * Run-level pass thresholds ("the gate"). Every configured condition must hold.
 * When a gate is configured it decides for eval tests: failing items inside an accepted pass
 * rate do not fail `vitest run`.
 */
export const GateSchema = z.strictObject({
  /** Minimum share of items (× trials) that passed. */
  passRate: z.optional(Fraction),
  metrics: z.optional(z.record(z.string(), MetricGateSchema)),
  /** Maximum total cost of the run in USD. */
  maxCostUsd: z.optional(z.number().check(z.minimum(0))),
  /** Maximum mean task latency in ms. */
  maxMeanLatencyMs: z.optional(z.number().check(z.minimum(0))),
  /** Maximum p95 task latency in ms. */
  maxP95LatencyMs: z.optional(z.number().check(z.minimum(0))),
  /** Require the star metric's pass status to be true (default true when a star metric is set). */
  requireStar: z.optional(z.boolean()),
  /** Run-level metrics (accuracy, precision/recall/F1, Cohen's κ, mean/median/p95), shown and gated by min/max. */
  runMetrics: z.optional(RunMetricsSchema),
})
export type Gate = z.infer<typeof GateSchema>

/**
 * The suite's star metric (Gradient's APIStarMetric). Pass rule, in order:
 * - `successThreshold` set: the star metric's mean must be >= it (<= when inverted);
 * - `successThresholdPct` set (0–100): the share of scored items passing the metric's own
 *   threshold (or `successThreshold` when set) must be >= pct/100. For percentage-valued metrics
 *   without `successThreshold`, the mean (× 100) is compared with pct directly.
 * Both set: both must hold. Neither set: the mean must reach the metric's own threshold.
 */
export const StarMetricSchema = z.strictObject({
  metric: z.string().check(z.minLength(1)),
  successThreshold: z.optional(z.number()),
  successThresholdPct: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
})
export type StarMetric = z.infer<typeof StarMetricSchema>
