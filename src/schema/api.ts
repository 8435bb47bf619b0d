import * as z from 'zod/mini'
import './zod-locale.js'
import {
  IdSchema,
  JsonObjectSchema,
  JsonValueSchema,
  MAX_INT32,
  TimestampSchema,
  TurnTypeSchema,
} from './common.js'
import { GateSchema, StarMetricSchema } from './gate.js'
import { ItemResultSchema, SuiteDefSchema } from './meta.js'
import { MetricDefSchema } from './metric.js'
import { RunMetricResultSchema } from './run-metrics.js'
import { RUN_STATUSES, type RunStatus, TERMINAL_RUN_STATUSES } from './run-status.js'

// ---------- projects and keys ----------
export const ProjectSchema = z.object({ id: IdSchema, name: z.string(), createdAt: TimestampSchema })
export type Project = z.infer<typeof ProjectSchema>
export const CreateProjectBodySchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
})

export const ApiKeySchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  /** First characters of the key, safe to display. */
  prefix: z.string(),
  /** `project`: reads and writes the project; `admin`: also mints and revokes its keys. */
  scope: z.enum(['project', 'admin']),
  createdAt: TimestampSchema,
  revokedAt: z.nullable(TimestampSchema),
})
export type ApiKeyScope = z.infer<typeof ApiKeySchema>['scope']

/**
 * POST /projects/:id/keys. A JSON body is required (even `{}`), so a web page cannot send it as a
 * CORS "simple" request.
 */
export const CreateApiKeyBodySchema = z.strictObject({
  scope: z._default(z.enum(['project', 'admin']), 'project'),
})
/** Returned once, on creation: the only time the secret is visible. */
export const CreatedApiKeySchema = z.extend(ApiKeySchema, { key: z.string() })
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>

// ---------- datasets ----------
export const DatasetItemInputSchema = z.strictObject({
  /** Explicit item id; a stable content hash is used when absent. */
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
  input: JsonValueSchema,
  expected: z.optional(JsonValueSchema),
  tags: z._default(z.array(z.string().check(z.maxLength(200))), []),
  metadata: z._default(JsonObjectSchema, {}),
})
export type DatasetItemInput = z.input<typeof DatasetItemInputSchema>

export const DatasetItemSchema = z.object({
  id: z.string(),
  datasetId: IdSchema,
  input: JsonValueSchema,
  expected: z.optional(JsonValueSchema),
  tags: z.array(z.string()),
  metadata: JsonObjectSchema,
  createdAt: TimestampSchema,
})
export type DatasetItem = z.infer<typeof DatasetItemSchema>

export const CreateDatasetBodySchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(300)),
  tags: z._default(z.array(z.string().check(z.maxLength(200))), []),
  turnType: z._default(TurnTypeSchema, 'single'),
  description: z.optional(z.string().check(z.maxLength(5000))),
})
export type CreateDatasetBody = z.input<typeof CreateDatasetBodySchema>

export const DatasetSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  name: z.string(),
  description: z.optional(z.string()),
  tags: z.array(z.string()),
  turnType: TurnTypeSchema,
  /** Latest version number (0 while empty). */
  version: z.number().check(z.int(), z.minimum(0)),
  /** Content hash of the latest version. */
  contentHash: z.nullable(z.string()),
  itemCount: z.number().check(z.int(), z.minimum(0)),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})
export type Dataset = z.infer<typeof DatasetSchema>

export const AddDatasetItemsBodySchema = z.strictObject({
  items: z.array(DatasetItemInputSchema).check(z.minLength(1), z.maxLength(10_000)),
})

export const DatasetVersionSchema = z.object({
  datasetId: IdSchema,
  version: z.number().check(z.int(), z.minimum(1)),
  contentHash: z.string(),
  itemCount: z.number().check(z.int(), z.minimum(0)),
  createdAt: TimestampSchema,
})
export type DatasetVersion = z.infer<typeof DatasetVersionSchema>

// ---------- metrics catalogue ----------
export const MetricSchema = z.strictObject({ ...MetricDefSchema.shape, id: IdSchema, projectId: IdSchema })
export type Metric = z.infer<typeof MetricSchema>

// ---------- suites (= Gradient evaluation test cases) ----------
/** Upsert by (project, name); a new version whenever dataset version, metrics, star metric or gate change. */
export const UpsertSuiteBodySchema = SuiteDefSchema
export const SuiteSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  name: z.string(),
  description: z.optional(z.string()),
  version: z.number().check(z.int(), z.minimum(1)),
  datasetId: z.nullable(IdSchema),
  datasetName: z.string(),
  datasetVersion: z.string(),
  datasetSize: z.number().check(z.int(), z.minimum(0)),
  turnType: TurnTypeSchema,
  metrics: z.array(MetricDefSchema),
  star: z.nullable(StarMetricSchema),
  gate: z.nullable(GateSchema),
  totalRuns: z.number().check(z.int(), z.minimum(0)),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})
export type Suite = z.infer<typeof SuiteSchema>

// ---------- runs ----------
export const RunStatusSchema = z.enum(RUN_STATUSES)
export { type RunStatus, TERMINAL_RUN_STATUSES }

/**
 * Progress of the run's evaluation (the quality verdict is `summary.passStatus`): `pending` until
 * the run is finalized or server-side scoring starts; `running` while server-side evaluators score
 * its items (the verdict waits); `completed` once the verdict is final; `failed` when it is final
 * but some server-side score or scoring job could not be done (each score keeps its error).
 */
export const EvaluationStatusSchema = z.enum(['pending', 'running', 'completed', 'failed'])
export type EvaluationStatus = z.infer<typeof EvaluationStatusSchema>

export const MetricSummarySchema = z.object({
  name: z.string(),
  /** Scored items (non-null scores). */
  count: z.number().check(z.int(), z.minimum(0)),
  nullCount: z.number().check(z.int(), z.minimum(0)),
  errorCount: z.number().check(z.int(), z.minimum(0)),
  mean: z.nullable(z.number()),
  min: z.nullable(z.number()),
  max: z.nullable(z.number()),
  /** Share of scored items passing the metric threshold; null when the metric has no threshold. */
  passRate: z.nullable(z.number()),
  threshold: z.nullable(z.number()),
  inverted: z.boolean(),
})
export type MetricSummary = z.infer<typeof MetricSummarySchema>

export const GateCheckSchema = z.object({
  /** e.g. `passRate`, `metrics.levenshtein.mean`, `star`, `maxCostUsd`. */
  condition: z.string(),
  actual: z.nullable(z.number()),
  expected: z.nullable(z.number()),
  op: z.enum(['>=', '<=', '==']),
  passed: z.boolean(),
  /** Human-readable, e.g. "pass rate 0.82 < 0.90". */
  message: z.string(),
})
export type GateCheck = z.infer<typeof GateCheckSchema>

export const StarResultSchema = z.object({
  metric: z.string(),
  value: z.nullable(z.number()),
  passRatePct: z.nullable(z.number()),
  successThreshold: z.nullable(z.number()),
  successThresholdPct: z.nullable(z.number()),
  passed: z.boolean(),
  /** Which rule decided, e.g. `mean>=successThreshold`. */
  rule: z.string(),
})
export type StarResult = z.infer<typeof StarResultSchema>

/**
 * The one verdict on a run (computed by `src/gate/verdict.ts`, stored by the server; every surface
 * reads it). `passed` is null while the run is not finalized.
 */
export const VerdictSchema = z.object({
  passed: z.nullable(z.boolean()),
  /** A gate is configured: it decides, and failing items inside an accepted pass rate are excused. */
  gated: z.boolean(),
  /** Every condition that was checked (run status, items, gate conditions, star metric), in order. */
  checks: z.array(GateCheckSchema),
  /** Messages of the failing checks, e.g. "pass rate 0.75 < 0.80", "the run was cancelled". */
  failures: z.array(z.string()),
  /** The rule that decided, e.g. `gate`, `gate:passRate`, `star:mean>=threshold`, `status:cancelled`. */
  rule: z.nullable(z.string()),
  /** Items that failed or errored (timed out, threw): failing items, whether the gate excuses them or not. */
  failingItems: z.number().check(z.int(), z.minimum(0)),
  totalItems: z.number().check(z.int(), z.minimum(0)),
})
export type Verdict = z.infer<typeof VerdictSchema>

export const RunSummarySchema = z.object({
  totalItems: z.number().check(z.int(), z.minimum(0)),
  completedItems: z.number().check(z.int(), z.minimum(0)),
  /** Items whose task threw or timed out. */
  erroredItems: z.number().check(z.int(), z.minimum(0)),
  passedItems: z.number().check(z.int(), z.minimum(0)),
  failedItems: z.number().check(z.int(), z.minimum(0)),
  passRate: z.nullable(z.number()),
  durationMs: z.nullable(z.number().check(z.minimum(0))),
  totalCostUsd: z.number().check(z.minimum(0)),
  meanLatencyMs: z.nullable(z.number()),
  p95LatencyMs: z.nullable(z.number()),
  inputTokens: z.number().check(z.int(), z.minimum(0)),
  outputTokens: z.number().check(z.int(), z.minimum(0)),
  metrics: z.array(MetricSummarySchema),
  star: z.nullable(StarResultSchema),
  gate: z.nullable(z.object({ passed: z.boolean(), checks: z.array(GateCheckSchema) })),
  /** Values of the run metrics declared in `gate.runMetrics`. */
  runMetrics: z.optional(z.array(RunMetricResultSchema)),
  /** `verdict.passed`: null while the run is not finalized. */
  passStatus: z.nullable(z.boolean()),
  /** `verdict.rule`. */
  passRule: z.nullable(z.string()),
  verdict: VerdictSchema,
})
export type RunSummary = z.infer<typeof RunSummarySchema>

export const RunSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  suiteId: IdSchema,
  suiteName: z.string(),
  suiteVersion: z.number().check(z.int(), z.minimum(1)),
  runGroup: z.string(),
  name: z.string(),
  status: RunStatusSchema,
  evaluationStatus: EvaluationStatusSchema,
  datasetVersion: z.string(),
  turnType: TurnTypeSchema,
  origin: z.string(),
  errorDescription: z.nullable(z.string()),
  queuedAt: TimestampSchema,
  startedAt: z.nullable(TimestampSchema),
  finishedAt: z.nullable(TimestampSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  summary: RunSummarySchema,
  /**
   * The run's dashboard page: absolute in API responses (from the server's public URL, else the
   * request's host), the path alone where no request is known.
   */
  url: z.string(),
})
export type Run = z.infer<typeof RunSchema>

/** Path of a run's dashboard page, relative to the server's root. */
export function runPagePath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`
}

/** Create or join the run for (runGroup, suite, suite version): shards and retries meet in one run. */
export const CreateRunBodySchema = z.strictObject({
  suite: SuiteDefSchema,
  runGroup: z.optional(z.string().check(z.minLength(1), z.maxLength(300))),
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(300))),
  origin: z._default(z.string().check(z.maxLength(100)), 'vitest'),
  /** Expected items for this participant, when known (used for status only). */
  expectedItems: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_INT32))),
})
export type CreateRunBody = z.input<typeof CreateRunBodySchema>
export const CreateRunResponseSchema = z.object({ run: RunSchema, suite: SuiteSchema, joined: z.boolean() })

export const RunItemBatchBodySchema = z.strictObject({
  items: z.array(ItemResultSchema).check(z.minLength(1), z.maxLength(5000)),
})
export type RunItemBatchBody = z.input<typeof RunItemBatchBodySchema>
export const RunItemBatchResponseSchema = z.object({
  accepted: z.number().check(z.int()),
  inserted: z.number().check(z.int()),
})

export const FinalizeRunBodySchema = z.strictObject({
  /** `failed` when the run could not execute; `cancelled` on abort; otherwise derived from items. */
  outcome: z._default(z.enum(['completed', 'failed', 'cancelled']), 'completed'),
  errorDescription: z.optional(z.string().check(z.maxLength(5000))),
})

/** A stored run item: the uploaded item result plus server ids. */
export const RunItemSchema = z.strictObject({
  ...ItemResultSchema.shape,
  /**
   * The task's latency in ms; null when unknown: a Netra item, whose SDK sends no timings, until
   * its OTLP spans arrive. Native uploads always carry one.
   */
  latencyMs: z.nullable(z.number().check(z.minimum(0))),
  id: IdSchema,
  runId: IdSchema,
  /** 1-based ordinal in the run; Gradient's `prompt_id`. */
  ordinal: z.number().check(z.int(), z.minimum(1)),
})
export type RunItem = z.infer<typeof RunItemSchema>

/** What a run stores for one item, before it has ids: an uploaded result, or a Netra item whose latency is not known yet. */
export type StoredItemResult = Omit<RunItem, 'id' | 'runId' | 'ordinal'>

export const RunResultsQuerySchema = z.strictObject({
  page: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_INT32)), 1),
  perPage: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 100),
  status: z.optional(z.enum(['passed', 'failed', 'errored'])),
})
export const RunResultsSchema = z.object({
  run: RunSchema,
  items: z.array(RunItemSchema),
  page: z.number().check(z.int()),
  perPage: z.number().check(z.int()),
  total: z.number().check(z.int()),
})
export type RunResults = z.infer<typeof RunResultsSchema>

export const ListRunsQuerySchema = z.strictObject({
  suiteId: z.optional(IdSchema),
  suiteName: z.optional(z.string()),
  suiteVersion: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_INT32))),
  runGroup: z.optional(z.string()),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(500)), 50),
})
export const RunListSchema = z.object({ runs: z.array(RunSchema) })

export const RunCompareSchema = z.object({
  base: RunSchema,
  head: RunSchema,
  metrics: z.array(
    z.object({
      name: z.string(),
      baseMean: z.nullable(z.number()),
      headMean: z.nullable(z.number()),
      delta: z.nullable(z.number()),
    }),
  ),
  items: z.array(
    z.object({
      itemId: z.string(),
      trial: z.number().check(z.int()),
      basePassed: z.nullable(z.boolean()),
      headPassed: z.nullable(z.boolean()),
      deltas: z.record(z.string(), z.nullable(z.number())),
    }),
  ),
  newFailures: z.array(z.object({ itemId: z.string(), trial: z.number().check(z.int()) })),
  fixed: z.array(z.object({ itemId: z.string(), trial: z.number().check(z.int()) })),
})
export type RunCompare = z.infer<typeof RunCompareSchema>

export const HealthSchema = z.object({
  ok: z.literal(true),
  version: z.string(),
  dialect: z.enum(['sqlite', 'postgres']),
})
