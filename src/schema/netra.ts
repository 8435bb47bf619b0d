import * as z from 'zod'
import { EvaluationStatusSchema, RunStatusSchema, RunSummarySchema } from './api.js'
import { IdSchema, JsonObjectSchema, JsonValueSchema, TimestampSchema, TurnTypeSchema } from './common.js'
import { ServerEvaluatorRefSchema } from './evaluators.js'
import { ScoreTypeSchema } from './metric.js'

/**
 * Wire shapes of the Netra evaluation API (`/evaluations/...` at the origin root), as the official
 * Netra SDKs call it (facts: shared/reference/backend-api.md §1–3). camelCase names; a success is
 * `{ data }`, a failure `{ error: { message, code } }` (ApiErrorSchema).
 *
 * Request objects accept and ignore unknown fields, like the Gradient schemas and unlike the native
 * API: the JS SDK posts the caller's dataset item object unchanged, and both SDKs add fields between
 * releases. The Python SDK sends `null` for an empty optional field, the JS SDK leaves it out: both
 * mean "absent" here.
 */

/** `null` and absent are the same thing on this API. */
const absentable = <S extends z.core.$ZodType>(schema: S) =>
  z.nullish(schema).transform((v) => (v === null ? undefined : v) as Exclude<z.output<S>, null> | undefined)

const TagsSchema = absentable(z.array(z.string().max(200)).max(1000))

// ---------- requests ----------

/** N1 `POST /evaluations/dataset`. The JS SDK sends no `turnType`: `single`. */
export const NetraCreateDatasetBodySchema = z.object({
  name: z.string().min(1).max(300),
  tags: TagsSchema,
  turnType: absentable(TurnTypeSchema),
})
export type NetraCreateDatasetBody = z.output<typeof NetraCreateDatasetBodySchema>

/** N2 `POST /evaluations/dataset/{datasetId}/items` (JS: the caller's object unchanged). */
export const NetraAddDatasetItemBodySchema = z.object({
  input: JsonValueSchema.check(z.refine((v) => v !== null && v !== undefined, 'input is required')),
  expectedOutput: absentable(JsonValueSchema),
  tags: TagsSchema,
  metadata: absentable(JsonObjectSchema),
})
export type NetraAddDatasetItemBody = z.output<typeof NetraAddDatasetItemBodySchema>

/** One entry of `localEvaluators` (the evaluator's `config`): upserted as a metric by `name`. */
export const NetraEvaluatorConfigSchema = z.object({
  name: z.string().min(1).max(200),
  label: absentable(z.string().max(2000)),
  scoreType: absentable(ScoreTypeSchema),
})
export type NetraEvaluatorConfig = z.output<typeof NetraEvaluatorConfigSchema>

/** N4 `POST /evaluations/test_run`: `datasetId` and `localEvaluators` may be null or absent. */
export const NetraCreateRunBodySchema = z
  .object({
    name: z.string().min(1).max(300),
    datasetId: absentable(IdSchema),
    localEvaluators: absentable(z.array(NetraEvaluatorConfigSchema).max(200)),
    /**
     * evalgate's extension (the Netra SDKs do not send it; Netra configures its platform evaluators
     * in its UI): evaluators the server runs on every item, by catalogue id (`"correctness"`) or
     * with what they need stored (`{ "id": "rubric", "criteria": "…" }`); `GET /api/v1/evaluators`.
     */
    evaluators: absentable(z.array(z.union([z.string().min(1).max(100), ServerEvaluatorRefSchema])).max(50)),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>()
    body.localEvaluators?.forEach((e, i) => {
      if (seen.has(e.name))
        ctx.addIssue({
          code: 'custom',
          path: ['localEvaluators', i, 'name'],
          message: `evaluator ${JSON.stringify(e.name)} is listed twice`,
        })
      seen.add(e.name)
    })
  })
export type NetraCreateRunBody = z.output<typeof NetraCreateRunBodySchema>

/**
 * N5 `POST /evaluations/run/{runId}/item` (reference §1.3). A successful item carries `taskOutput`
 * and no `status`; an item whose task threw carries `status: "failed"` and no output. Its span id
 * travels only in the `traceparent` header.
 */
export const NetraRunItemBodySchema = z
  .object({
    traceId: absentable(
      z
        .string()
        .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters')
        .transform((s) => s.toLowerCase()),
    ),
    sessionId: absentable(z.string().max(500)),
    datasetItemId: absentable(z.string().min(1).max(500)),
    input: z.optional(JsonValueSchema),
    expectedOutput: absentable(JsonValueSchema),
    metadata: absentable(JsonObjectSchema),
    status: absentable(z.enum(['completed', 'failed'])),
    taskOutput: z.optional(JsonValueSchema),
  })
  .superRefine((body, ctx) => {
    if (body.datasetItemId === undefined && body.input === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['input'],
        message: 'either datasetItemId or input is required',
      })
  })
export type NetraRunItemBody = z.output<typeof NetraRunItemBodySchema>

/** One evaluator's result on one item (`EvaluatorOutput`). */
export const NetraEvaluatorResultSchema = z.object({
  evaluatorName: z.string().min(1).max(200),
  result: z.optional(JsonValueSchema),
  isPassed: absentable(z.boolean()),
  reason: absentable(z.string().max(100_000)),
})
export type NetraEvaluatorResult = z.output<typeof NetraEvaluatorResultSchema>

/** N6 `POST /evaluations/run/{runId}/item/{testRunItemId}/local-evaluations`. */
export const NetraLocalEvaluationsBodySchema = z.object({
  evaluatorResults: z.array(NetraEvaluatorResultSchema).min(1).max(200),
})

/** N7 `POST /evaluations/run/{runId}/status`: `completed` (both SDKs) or `failed` (Python). */
export const NetraRunStatusBodySchema = z.object({ status: z.enum(['completed', 'failed']) })

// ---------- responses ----------

/** N1: a dataset. evalgate has no organizations or users: those fields are null. */
export const NetraDatasetSchema = z.object({
  id: IdSchema,
  name: z.string(),
  tags: z.array(z.string()),
  turnType: TurnTypeSchema,
  projectId: IdSchema,
  organizationId: z.null(),
  createdBy: z.null(),
  updatedBy: z.null(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  deletedAt: z.null(),
})
export type NetraDataset = z.infer<typeof NetraDatasetSchema>

/** N2 and each entry of N3. `id` is the evalgate item id (src/dataset/identity.ts). */
export const NetraDatasetItemSchema = z.object({
  id: z.string(),
  datasetId: IdSchema,
  projectId: IdSchema,
  organizationId: z.null(),
  source: z.null(),
  sourceId: z.null(),
  input: JsonValueSchema,
  expectedOutput: z.nullable(JsonValueSchema),
  tags: z.array(z.string()),
  metadata: JsonObjectSchema,
  isActive: z.literal(true),
  createdBy: z.null(),
  updatedBy: z.null(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  deletedAt: z.null(),
})
export type NetraDatasetItem = z.infer<typeof NetraDatasetItemSchema>

/** N4: the created run (the SDK reads `id`). */
export const NetraRunSchema = z.object({
  id: IdSchema,
  name: z.string(),
  datasetId: z.nullable(IdSchema),
  status: RunStatusSchema,
  localEvaluators: z.array(
    z.object({ name: z.string(), label: z.string().nullable(), scoreType: ScoreTypeSchema }),
  ),
  suiteId: IdSchema,
  createdAt: TimestampSchema,
  /** The run's dashboard page (absolute). */
  redirectUrl: z.string(),
})
export type NetraRun = z.infer<typeof NetraRunSchema>

/** A run item as Netra names it. `id` is the test-run-item id (the native run item id). */
export const NetraRunItemSchema = z.object({
  id: z.string(),
  runId: IdSchema,
  /** 1-based position in the run (the native ordinal, Gradient's `prompt_id`). */
  ordinal: z.number().int().min(1),
  /** The item's id in evalgate (its dataset item id, or the content id of a local item). */
  itemId: z.string(),
  datasetItemId: z.string().nullable(),
  input: JsonValueSchema,
  expectedOutput: z.nullable(JsonValueSchema),
  metadata: JsonObjectSchema,
  /** `completed` (the task returned) or `failed` (it threw). */
  status: z.enum(['completed', 'failed']),
  taskOutput: z.nullable(JsonValueSchema),
  /** Every local evaluator configured on the run has posted a result for this item, or none are configured. */
  passed: z.boolean(),
  traceId: z.string().nullable(),
  spanId: z.string().nullable(),
  sessionId: z.string().nullable(),
  evaluatorResults: z.array(
    z.object({
      evaluatorName: z.string(),
      result: JsonValueSchema,
      isPassed: z.boolean().nullable(),
      reason: z.string().nullable(),
    }),
  ),
})
export type NetraRunItem = z.infer<typeof NetraRunItemSchema>

/** N5: `data.item.id` is the test-run-item id. */
export const NetraRunItemCreatedSchema = z.object({ item: NetraRunItemSchema })

/** N6. */
export const NetraLocalEvaluationsResultSchema = z.object({
  testRunItemId: z.string(),
  accepted: z.number().int().min(0),
  runStatus: RunStatusSchema,
})

/** N7. */
export const NetraRunStatusResultSchema = z.object({ id: IdSchema, status: RunStatusSchema })

/**
 * The run summary of N8: evalgate's run summary (src/gate: totals, per-evaluator statistics, the
 * verdict) plus how many completed items still wait for their local evaluations.
 */
export const NetraTestRunSummarySchema = z.object({
  ...RunSummarySchema.shape,
  pendingEvaluations: z.number().int().min(0),
})

/**
 * N8 `data`: the run, its summary and its items. The shape is evalgate's (neither SDK defines it):
 * `status` is evalgate's run status (`running` until N7, `evaluating` while local evaluations are
 * still expected, then `succeeded` / `partially_succeeded` / `failed`).
 */
export const NetraRunResultSchema = z.object({
  id: IdSchema,
  name: z.string(),
  status: RunStatusSchema,
  /** The verdict: `pending` until the run is finished, then `passed` or `failed`. */
  /** Progress of the run's scoring (pending, running, completed, failed); pass/fail is `testRunSummary.passStatus`. */
  evaluationStatus: EvaluationStatusSchema,
  datasetId: z.nullable(IdSchema),
  suiteId: IdSchema,
  createdAt: TimestampSchema,
  finishedAt: z.nullable(TimestampSchema),
  localEvaluators: NetraRunSchema.shape.localEvaluators,
  testRunSummary: NetraTestRunSummarySchema,
  items: z.array(NetraRunItemSchema),
  /** The run's page in the evalgate dashboard: the URL the native API returns as the run's `url`. */
  redirectUrl: z.string(),
})
export type NetraRunResult = z.infer<typeof NetraRunResultSchema>

/** N8 body: the SDK hands `data` to the caller unchanged. */
export const NetraRunResultsBodySchema = z.object({
  success: z.literal(true),
  data: NetraRunResultSchema,
  error: z.null(),
  meta: z.object({
    page: z.number().int().min(1),
    perPage: z.number().int().min(1),
    totalItems: z.number().int().min(0),
  }),
})

/** N8 query: pages of items (the SDK asks for none: the first 1,000). */
export const NetraRunResultsQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  perPage: z.coerce.number().int().min(1).max(1000).default(1000),
})
