import * as z from 'zod'
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
export const CreateProjectBodySchema = z.object({ name: z.string().min(1).max(200) }).strict()

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
export const CreateApiKeyBodySchema = z
  .object({ scope: z.enum(['project', 'admin']).default('project') })
  .strict()
/** Returned once, on creation: the only time the secret is visible. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() })
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>

// ---------- datasets ----------
export const DatasetItemInputSchema = z
  .object({
    /** Explicit item id; a stable content hash is used when absent. */
    id: z.string().min(1).max(500).optional(),
    input: JsonValueSchema,
    expected: z.optional(JsonValueSchema),
    tags: z.array(z.string().max(200)).default([]),
    metadata: z._default(JsonObjectSchema, {}),
  })
  .strict()
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

export const CreateDatasetBodySchema = z
  .object({
    name: z.string().min(1).max(300),
    tags: z.array(z.string().max(200)).default([]),
    turnType: z._default(TurnTypeSchema, 'single'),
    description: z.string().max(5000).optional(),
  })
  .strict()
export type CreateDatasetBody = z.input<typeof CreateDatasetBodySchema>

export const DatasetSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  name: z.string(),
  description: z.string().optional(),
  tags: z.array(z.string()),
  turnType: TurnTypeSchema,
  /** Latest version number (0 while empty). */
  version: z.number().int().min(0),
  /** Content hash of the latest version. */
  contentHash: z.string().nullable(),
  itemCount: z.number().int().min(0),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
})
export type Dataset = z.infer<typeof DatasetSchema>

export const AddDatasetItemsBodySchema = z
  .object({ items: z.array(DatasetItemInputSchema).min(1).max(10_000) })
  .strict()

export const DatasetVersionSchema = z.object({
  datasetId: IdSchema,
  version: z.number().int().min(1),
  contentHash: z.string(),
  itemCount: z.number().int().min(0),
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
  description: z.string().optional(),
  version: z.number().int().min(1),
  datasetId: z.nullable(IdSchema),
  datasetName: z.string(),
  datasetVersion: z.string(),
  datasetSize: z.number().int().min(0),
  turnType: TurnTypeSchema,
  metrics: z.array(MetricDefSchema),
  star: z.nullable(StarMetricSchema),
  gate: z.nullable(GateSchema),
  totalRuns: z.number().int().min(0),
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
  count: z.number().int().min(0),
  nullCount: z.number().int().min(0),
  errorCount: z.number().int().min(0),
  mean: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** Share of scored items passing the metric threshold; null when the metric has no threshold. */
  passRate: z.number().nullable(),
  threshold: z.number().nullable(),
  inverted: z.boolean(),
})
export type MetricSummary = z.infer<typeof MetricSummarySchema>

export const GateCheckSchema = z.object({
  /** e.g. `passRate`, `metrics.levenshtein.mean`, `star`, `maxCostUsd`. */
  condition: z.string(),
  actual: z.number().nullable(),
  expected: z.number().nullable(),
  op: z.enum(['>=', '<=', '==']),
  passed: z.boolean(),
  /** Human-readable, e.g. "pass rate 0.82 < 0.90". */
  message: z.string(),
})
export type GateCheck = z.infer<typeof GateCheckSchema>

export const StarResultSchema = z.object({
  metric: z.string(),
  value: z.number().nullable(),
  passRatePct: z.number().nullable(),
  successThreshold: z.number().nullable(),
  successThresholdPct: z.number().nullable(),
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
  passed: z.boolean().nullable(),
  /** A gate is configured: it decides, and failing items inside an accepted pass rate are excused. */
  gated: z.boolean(),
  /** Every condition that was checked (run status, items, gate conditions, star metric), in order. */
  checks: z.array(GateCheckSchema),
  /** Messages of the failing checks, e.g. "pass rate 0.75 < 0.80", "the run was cancelled". */
  failures: z.array(z.string()),
  /** The rule that decided, e.g. `gate`, `gate:passRate`, `star:mean>=threshold`, `status:cancelled`. */
  rule: z.string().nullable(),
  /** Items that failed or errored (timed out, threw): failing items, whether the gate excuses them or not. */
  failingItems: z.number().int().min(0),
  totalItems: z.number().int().min(0),
})
export type Verdict = z.infer<typeof VerdictSchema>

export const RunSummarySchema = z.object({
  totalItems: z.number().int().min(0),
  completedItems: z.number().int().min(0),
  /** Items whose task threw or timed out. */
  erroredItems: z.number().int().min(0),
  passedItems: z.number().int().min(0),
  failedItems: z.number().int().min(0),
  passRate: z.number().nullable(),
  durationMs: z.number().min(0).nullable(),
  totalCostUsd: z.number().min(0),
  meanLatencyMs: z.number().nullable(),
  p95LatencyMs: z.number().nullable(),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  metrics: z.array(MetricSummarySchema),
  star: StarResultSchema.nullable(),
  gate: z.object({ passed: z.boolean(), checks: z.array(GateCheckSchema) }).nullable(),
  /** Values of the run metrics declared in `gate.runMetrics`. */
  runMetrics: z.array(RunMetricResultSchema).optional(),
  /** `verdict.passed`: null while the run is not finalized. */
  passStatus: z.boolean().nullable(),
  /** `verdict.rule`. */
  passRule: z.string().nullable(),
  verdict: VerdictSchema,
})
export type RunSummary = z.infer<typeof RunSummarySchema>

export const RunSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  suiteId: IdSchema,
  suiteName: z.string(),
  suiteVersion: z.number().int().min(1),
  runGroup: z.string(),
  name: z.string(),
  status: RunStatusSchema,
  evaluationStatus: EvaluationStatusSchema,
  datasetVersion: z.string(),
  turnType: TurnTypeSchema,
  origin: z.string(),
  errorDescription: z.string().nullable(),
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
export const CreateRunBodySchema = z
  .object({
    suite: SuiteDefSchema,
    runGroup: z.string().min(1).max(300).optional(),
    name: z.string().min(1).max(300).optional(),
    origin: z.string().max(100).default('vitest'),
    /** Expected items for this participant, when known (used for status only). */
    expectedItems: z.number().int().min(0).max(MAX_INT32).optional(),
  })
  .strict()
export type CreateRunBody = z.input<typeof CreateRunBodySchema>
export const CreateRunResponseSchema = z.object({ run: RunSchema, suite: SuiteSchema, joined: z.boolean() })

export const RunItemBatchBodySchema = z.object({ items: z.array(ItemResultSchema).min(1).max(5000) }).strict()
export type RunItemBatchBody = z.input<typeof RunItemBatchBodySchema>
export const RunItemBatchResponseSchema = z.object({ accepted: z.number().int(), inserted: z.number().int() })

export const FinalizeRunBodySchema = z
  .object({
    /** `failed` when the run could not execute; `cancelled` on abort; otherwise derived from items. */
    outcome: z.enum(['completed', 'failed', 'cancelled']).default('completed'),
    errorDescription: z.string().max(5000).optional(),
  })
  .strict()

/** A stored run item: the uploaded item result plus server ids. */
export const RunItemSchema = z.strictObject({
  ...ItemResultSchema.shape,
  id: IdSchema,
  runId: IdSchema,
  /** 1-based ordinal in the run; Gradient's `prompt_id`. */
  ordinal: z.number().int().min(1),
})
export type RunItem = z.infer<typeof RunItemSchema>

export const RunResultsQuerySchema = z
  .object({
    page: z.coerce.number().int().min(1).max(MAX_INT32).default(1),
    perPage: z.coerce.number().int().min(1).max(1000).default(100),
    status: z.enum(['passed', 'failed', 'errored']).optional(),
  })
  .strict()
export const RunResultsSchema = z.object({
  run: RunSchema,
  items: z.array(RunItemSchema),
  page: z.number().int(),
  perPage: z.number().int(),
  total: z.number().int(),
})
export type RunResults = z.infer<typeof RunResultsSchema>

export const ListRunsQuerySchema = z
  .object({
    suiteId: z.optional(IdSchema),
    suiteName: z.string().optional(),
    suiteVersion: z.coerce.number().int().min(1).max(MAX_INT32).optional(),
    runGroup: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict()
export const RunListSchema = z.object({ runs: z.array(RunSchema) })

export const RunCompareSchema = z.object({
  base: RunSchema,
  head: RunSchema,
  metrics: z.array(
    z.object({
      name: z.string(),
      baseMean: z.number().nullable(),
      headMean: z.number().nullable(),
      delta: z.number().nullable(),
    }),
  ),
  items: z.array(
    z.object({
      itemId: z.string(),
      trial: z.number().int(),
      basePassed: z.boolean().nullable(),
      headPassed: z.boolean().nullable(),
      deltas: z.record(z.string(), z.number().nullable()),
    }),
  ),
  newFailures: z.array(z.object({ itemId: z.string(), trial: z.number().int() })),
  fixed: z.array(z.object({ itemId: z.string(), trial: z.number().int() })),
})
export type RunCompare = z.infer<typeof RunCompareSchema>

export const HealthSchema = z.object({
  ok: z.literal(true),
  version: z.string(),
  dialect: z.enum(['sqlite', 'postgres']),
})
