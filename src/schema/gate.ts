import * as z from 'zod'
import { RunMetricsSchema } from './run-metrics.js'

const Fraction = z.number().min(0).max(1)

/** Per-metric run-level thresholds. */
export const MetricGateSchema = z
  .object({
    /** Minimum mean score over scored items (maximum when the metric is inverted). */
    mean: z.number().optional(),
    /** Minimum of the lowest score (maximum of the highest when inverted). */
    min: z.number().optional(),
    /** Minimum share of scored items that pass this metric's threshold. */
    passRate: Fraction.optional(),
  })
  .strict()
export type MetricGate = z.infer<typeof MetricGateSchema>

/**
 * Run-level pass thresholds ("the gate"). Every configured condition must hold.
 * When a gate is configured it decides for eval tests: failing items inside an accepted pass
 * rate do not fail `vitest run`.
 */
export const GateSchema = z
  .object({
    /** Minimum share of items (× trials) that passed. */
    passRate: Fraction.optional(),
    metrics: z.record(z.string(), MetricGateSchema).optional(),
    /** Maximum total cost of the run in USD. */
    maxCostUsd: z.number().min(0).optional(),
    /** Maximum mean task latency in ms. */
    maxMeanLatencyMs: z.number().min(0).optional(),
    /** Maximum p95 task latency in ms. */
    maxP95LatencyMs: z.number().min(0).optional(),
    /** Require the star metric's pass status to be true (default true when a star metric is set). */
    requireStar: z.boolean().optional(),
    /** Run-level metrics (accuracy, precision/recall/F1, Cohen's κ, mean/median/p95), shown and gated by min/max. */
    runMetrics: RunMetricsSchema.optional(),
  })
  .strict()
export type Gate = z.infer<typeof GateSchema>

/**
 * The suite's star metric (Gradient's APIStarMetric). Pass rule, in order:
 * - `successThreshold` set: the star metric's mean must be >= it (<= when inverted);
 * - `successThresholdPct` set (0–100): the share of scored items passing the metric's own
 *   threshold (or `successThreshold` when set) must be >= pct/100. For percentage-valued metrics
 *   without `successThreshold`, the mean (× 100) is compared with pct directly.
 * Both set: both must hold. Neither set: the mean must reach the metric's own threshold.
 */
export const StarMetricSchema = z
  .object({
    metric: z.string().min(1),
    successThreshold: z.number().optional(),
    successThresholdPct: z.number().min(0).max(100).optional(),
  })
  .strict()
export type StarMetric = z.infer<typeof StarMetricSchema>
