import * as z from 'zod/mini'
import './zod-locale.js'
import { JsonObjectSchema, JsonValueSchema, MAX_INT32, TurnTypeSchema } from './common.js'
import { GateSchema, StarMetricSchema } from './gate.js'
import { issuePath } from './issues.js'
import { MetricDefSchema } from './metric.js'
import { PARSE_ONCE } from './parse-once.js'

// Every object here is strict: an unknown field (a typo like `costUSD`) is a 400 naming it, never
// silently dropped. The Gradient-compatible schemas (gradient.ts) are the one exception.

const count = () => z.number().check(z.int(), z.minimum(0), z.maximum(MAX_INT32))
const nonNegative = () => z.number().check(z.minimum(0))

export const UsageSchema = z.strictObject({
  inputTokens: count(),
  outputTokens: count(),
})
export type Usage = z.infer<typeof UsageSchema>

export const ToolCallSchema = z.strictObject({
  name: z.string(),
  arguments: z.optional(JsonValueSchema),
  result: z.optional(JsonValueSchema),
})
export type ToolCall = z.infer<typeof ToolCallSchema>

/** One evaluator's result on one item. `score` is null when the metric does not apply or the evaluator threw. */
export const ScoreResultSchema = z.strictObject({
  metric: z.string().check(z.minLength(1)),
  score: z.nullable(z.number().check(z.minimum(0), z.maximum(1))),
  /** null when the metric has no threshold or no score. */
  passed: z.nullable(z.boolean()),
  threshold: z.nullable(z.number()),
  inverted: z.boolean(),
  reason: z.optional(z.string()),
  metadata: z.optional(JsonObjectSchema),
  /** Message of the error thrown by the evaluator, if it threw. */
  error: z.optional(z.string()),
  durationMs: nonNegative(),
})
export type ScoreResult = z.infer<typeof ScoreResultSchema>

/** Execution status of one item (× trial): `completed` (task returned), `failed` (task threw), `timeout`. */
export const ItemStatusSchema = z.enum(['completed', 'failed', 'timeout'])
export type ItemStatus = z.infer<typeof ItemStatusSchema>

export const ItemErrorSchema = z.strictObject({
  name: z.string(),
  message: z.string(),
  stack: z.optional(z.string()),
})
export type ItemError = z.infer<typeof ItemErrorSchema>

/** The complete result of one item × trial. This is both what the test carries in `meta` and what a run item upload is. */
export const ItemResultSchema = z.strictObject({
  itemId: z.string().check(z.minLength(1), z.maxLength(500)),
  /** Position of the item in its dataset. */
  index: count(),
  /** 0-based trial number. */
  trial: count(),
  input: JsonValueSchema,
  expected: z.optional(JsonValueSchema),
  tags: z._default(z.array(z.string()), []),
  metadata: z._default(JsonObjectSchema, {}),
  status: ItemStatusSchema,
  output: z.nullable(JsonValueSchema),
  error: z.nullable(ItemErrorSchema),
  /** true when the task completed and no thresholded evaluator failed. */
  passed: z.boolean(),
  latencyMs: nonNegative(),
  startedAt: z.string(),
  usage: z.nullable(UsageSchema),
  costUsd: z.nullable(nonNegative()),
  toolCalls: z.nullable(z.array(ToolCallSchema)),
  /** 32 lowercase hex chars. */
  traceId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  /** 16 lowercase hex chars. */
  spanId: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  scores: z.array(ScoreResultSchema),
})
export type ItemResult = z.infer<typeof ItemResultSchema>
export type ItemResultInput = z.input<typeof ItemResultSchema>

/** A suite's definition: what makes a new suite version when it changes (dataset version, metrics, star, gate). */
/** What a suite definition must satisfy beyond its shape: one rule set for every entry point. */
export interface SuiteDefRuleInput {
  metrics: ReadonlyArray<{ name: string; rangeMin?: number; rangeMax?: number; threshold?: number | null }>
  star?: { metric: string; successThreshold?: number | undefined } | null | undefined
  gate?:
    | {
        metrics?: Record<string, { mean?: number | undefined; min?: number | undefined }> | undefined
        runMetrics?: Record<string, RunMetricReads> | undefined
      }
    | null
    | undefined
}

/** The fields of a run-metric spec that name a suite metric: `of`, and `scores.<metric>…` paths. */
type RunMetricReads = { of?: string | undefined; predicted?: string | undefined; label?: string | undefined }

/** Run-metric sources that are not suite metrics. */
const ITEM_FIELDS_OF = new Set(['latencyMs', 'costUsd'])

/** The suite metrics a run-metric spec reads, each with the field that names it. */
function metricsReadBy(spec: RunMetricReads): Array<{ field: 'of' | 'predicted' | 'label'; metric: string }> {
  const read: Array<{ field: 'of' | 'predicted' | 'label'; metric: string }> = []
  if (spec.of !== undefined && !ITEM_FIELDS_OF.has(spec.of)) read.push({ field: 'of', metric: spec.of })
  for (const field of ['predicted', 'label'] as const) {
    const path = spec[field]
    if (path?.startsWith('scores.'))
      read.push({ field, metric: path.slice('scores.'.length).replace(/\.(choice|score)$/, '') })
  }
  return read
}

export interface SuiteDefIssue {
  path: Array<string | number>
  message: string
}

/**
 * The suite-definition rules: metric names are unique; the star metric, every gate metric and
 * every metric a gate run metric reads (`of`, `scores.<metric>` paths) are among the suite's metrics; thresholds (metric, star, gate mean/min) lie in the metric's range.
 * Each message names the field and the metric, so it reads the same wherever it is reported.
 */
export function suiteDefIssues(def: SuiteDefRuleInput): SuiteDefIssue[] {
  const issues: SuiteDefIssue[] = []
  const byName = new Map<string, SuiteDefRuleInput['metrics'][number]>()
  def.metrics.forEach((m, i) => {
    if (byName.has(m.name))
      issues.push({
        path: ['metrics', i, 'name'],
        message: `metric ${JSON.stringify(m.name)} is listed twice`,
      })
    byName.set(m.name, m)
  })
  const names = [...byName.keys()].map((n) => JSON.stringify(n)).join(', ') || 'none'
  const unknown = (field: string, metric: string) =>
    `${field} names the metric ${JSON.stringify(metric)}, which is not one of the suite's metrics (${names})`
  const inRange = (
    path: SuiteDefIssue['path'],
    field: string,
    metric: string,
    value: number | null | undefined,
  ) => {
    const m = byName.get(metric)
    if (value === undefined || value === null || !m) return
    const min = m.rangeMin ?? 0
    const max = m.rangeMax ?? 1
    if (value < min || value > max)
      issues.push({
        path,
        message: `${field} is ${value}, outside the range [${min}, ${max}] of the metric ${JSON.stringify(metric)}`,
      })
  }
  for (const m of def.metrics)
    inRange(['metrics', def.metrics.indexOf(m), 'threshold'], 'threshold', m.name, m.threshold)
  if (def.star) {
    if (!byName.has(def.star.metric))
      issues.push({ path: ['star', 'metric'], message: unknown('star', def.star.metric) })
    inRange(['star', 'successThreshold'], 'star.successThreshold', def.star.metric, def.star.successThreshold)
  }
  for (const [metric, gate] of Object.entries(def.gate?.metrics ?? {})) {
    if (!byName.has(metric)) {
      issues.push({ path: ['gate', 'metrics', metric], message: unknown('gate.metrics', metric) })
      continue
    }
    inRange(['gate', 'metrics', metric, 'mean'], `gate.metrics.${metric}.mean`, metric, gate.mean)
    inRange(['gate', 'metrics', metric, 'min'], `gate.metrics.${metric}.min`, metric, gate.min)
  }
  for (const [runMetric, spec] of Object.entries(def.gate?.runMetrics ?? {})) {
    for (const { field, metric } of metricsReadBy(spec)) {
      if (!byName.has(metric))
        issues.push({
          path: ['gate', 'runMetrics', runMetric, field],
          message: unknown(`gate.runMetrics.${runMetric}.${field}`, metric),
        })
    }
  }
  return issues
}

/** A suite definition that breaks a rule of SuiteDefSchema: the one error of describeEval, runTestSuite and createRun. */
export class SuiteDefError extends Error {
  override readonly name = 'SuiteDefError'
  constructor(
    readonly suite: string,
    readonly issues: readonly SuiteDefIssue[],
  ) {
    super(
      `invalid suite definition ${JSON.stringify(suite)}: ${issues.map((i) => `${issuePath(i.path) || '(root)'}: ${i.message}`).join('; ')}`,
    )
  }
}

/** Throws a SuiteDefError when the metrics, star metric and gate break a suite-definition rule. */
export function checkSuiteDef(suite: string, def: SuiteDefRuleInput): void {
  const issues = suiteDefIssues(def)
  if (issues.length > 0) throw new SuiteDefError(suite, issues)
}

export const SuiteDefSchema = z
  .strictObject({
    name: z.string().check(z.minLength(1), z.maxLength(300)),
    description: z.optional(z.string().check(z.maxLength(5000))),
    dataset: z.strictObject({
      name: z.string().check(z.minLength(1), z.maxLength(300)),
      /** Content hash of the dataset (src/dataset/identity.ts). */
      version: z.string().check(z.minLength(1), z.maxLength(200)),
      size: count(),
    }),
    turnType: z._default(TurnTypeSchema, 'single'),
    metrics: z.array(MetricDefSchema),
    star: z._default(z.nullable(StarMetricSchema), null),
    gate: z._default(z.nullable(GateSchema), null),
  })
  .check(
    z.superRefine((def, ctx) => {
      for (const issue of suiteDefIssues(def)) ctx.addIssue({ code: 'custom', ...issue })
    }),
  )
export type SuiteDef = z.infer<typeof SuiteDefSchema>
export type SuiteDefInput = z.input<typeof SuiteDefSchema>

/** Parses a suite definition; any problem (shape or rule) is a SuiteDefError. */
export function parseSuiteDef(input: SuiteDefInput | unknown, suite?: string): SuiteDef {
  const parsed = SuiteDefSchema.safeParse(input, PARSE_ONCE)
  if (parsed.success) return parsed.data
  const name = suite ?? String((input as { name?: unknown } | null)?.name ?? 'unnamed')
  throw new SuiteDefError(
    name,
    parsed.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
      message: i.message,
    })),
  )
}

/** What `describeEval` writes to `task.meta.evalgate` for every item test. */
export const EvalMetaSchema = z.object({
  schemaVersion: z.literal(1),
  suite: SuiteDefSchema,
  /** Source file of the suite, relative to the Vitest root when known. */
  file: z.optional(z.string()),
  trials: z.number().check(z.int(), z.minimum(1)),
  result: ItemResultSchema,
})
export type EvalMeta = z.infer<typeof EvalMetaSchema>

export { EVAL_META_KEY } from './meta-key.js'
