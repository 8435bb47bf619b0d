import * as z from 'zod'
import { MAX_INT32 } from './common.js'

/**
 * Wire shapes of the DigitalOcean Gradient agent-evaluation API (`/v2/gen-ai/...`), as read from
 * the `@digitalocean/gradient` SDK (0.1.0-alpha.2) sources: snake_case names, int64 values as
 * strings (`input_tokens`, `output_tokens`, `file_size`, `size_in_bytes`), `prompt_id` and
 * `version` as integers, timestamps as ISO strings. Every response field is optional in the SDK
 * types; we omit a field rather than invent a value we do not have.
 *
 * Unknown fields: request objects here accept and ignore them (zod's default), unlike the native
 * API, which rejects them. The SDK is generated from an OpenAPI spec that adds fields between
 * releases (and sends some, e.g. `workspace_uuid`, that evalgate has no use for); refusing them
 * would break the SDK on its next release.
 */

// ---------- enums ----------
export const GradientRunStatusSchema = z.enum([
  'EVALUATION_RUN_STATUS_UNSPECIFIED',
  'EVALUATION_RUN_QUEUED',
  'EVALUATION_RUN_RUNNING_DATASET',
  'EVALUATION_RUN_EVALUATING_RESULTS',
  'EVALUATION_RUN_CANCELLING',
  'EVALUATION_RUN_CANCELLED',
  'EVALUATION_RUN_SUCCESSFUL',
  'EVALUATION_RUN_PARTIALLY_SUCCESSFUL',
  'EVALUATION_RUN_FAILED',
])
export type GradientRunStatus = z.infer<typeof GradientRunStatusSchema>

export const GradientMetricTypeSchema = z.enum([
  'METRIC_TYPE_UNSPECIFIED',
  'METRIC_TYPE_GENERAL_QUALITY',
  'METRIC_TYPE_RAG_AND_TOOL',
])
export type GradientMetricType = z.infer<typeof GradientMetricTypeSchema>

export const GradientMetricValueTypeSchema = z.enum([
  'METRIC_VALUE_TYPE_UNSPECIFIED',
  'METRIC_VALUE_TYPE_NUMBER',
  'METRIC_VALUE_TYPE_STRING',
  'METRIC_VALUE_TYPE_PERCENTAGE',
])
export type GradientMetricValueType = z.infer<typeof GradientMetricValueTypeSchema>

/** An int64 on the wire: a string of decimal digits. */
export const Int64StringSchema = z.string().regex(/^\d{1,19}$/, 'must be a string of decimal digits (int64)')

// ---------- resources ----------
export const APIEvaluationMetricSchema = z.object({
  metric_uuid: z.string().optional(),
  metric_name: z.string().optional(),
  description: z.string().optional(),
  metric_type: GradientMetricTypeSchema.optional(),
  metric_value_type: GradientMetricValueTypeSchema.optional(),
  range_min: z.number().optional(),
  range_max: z.number().optional(),
  /** true: lower is better. */
  inverted: z.boolean().optional(),
})
export type APIEvaluationMetric = z.infer<typeof APIEvaluationMetricSchema>

export const APIStarMetricSchema = z.object({
  metric_uuid: z.string().optional(),
  name: z.string().optional(),
  /** Value the star metric's run-level result must reach. */
  success_threshold: z.number().optional(),
  /** Percentage (0–100); see StarMetricSchema in gate.ts for how evalgate applies it. */
  success_threshold_pct: z.number().min(0).max(100).optional(),
})
export type APIStarMetric = z.infer<typeof APIStarMetricSchema>

export const APIEvaluationTestCaseDatasetSchema = z.object({
  dataset_uuid: z.string().optional(),
  dataset_name: z.string().optional(),
  created_at: z.string().optional(),
  file_size: Int64StringSchema.optional(),
  has_ground_truth: z.boolean().optional(),
  row_count: z.number().int().optional(),
})
export type APIEvaluationTestCaseDataset = z.infer<typeof APIEvaluationTestCaseDatasetSchema>

export const APIEvaluationTestCaseSchema = z.object({
  test_case_uuid: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  version: z.number().int().optional(),
  dataset_uuid: z.string().optional(),
  dataset_name: z.string().optional(),
  dataset: APIEvaluationTestCaseDatasetSchema.optional(),
  metrics: z.array(APIEvaluationMetricSchema).optional(),
  star_metric: APIStarMetricSchema.optional(),
  total_runs: z.number().int().optional(),
  latest_version_number_of_runs: z.number().int().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  archived_at: z.string().optional(),
  created_by_user_id: z.string().optional(),
  created_by_user_email: z.string().optional(),
  updated_by_user_id: z.string().optional(),
  updated_by_user_email: z.string().optional(),
})
export type APIEvaluationTestCase = z.infer<typeof APIEvaluationTestCaseSchema>

/** A metric result, run-level or prompt-level. Carries no uuid and no pass flag. */
export const APIEvaluationMetricResultSchema = z.object({
  metric_name: z.string().optional(),
  metric_value_type: GradientMetricValueTypeSchema.optional(),
  number_value: z.number().optional(),
  string_value: z.string().optional(),
  reasoning: z.string().optional(),
  error_description: z.string().optional(),
})
export type APIEvaluationMetricResult = z.infer<typeof APIEvaluationMetricResultSchema>

export const APIEvaluationRunSchema = z.object({
  evaluation_run_uuid: z.string().optional(),
  run_name: z.string().optional(),
  status: GradientRunStatusSchema.optional(),
  /** Quality verdict; omitted while the run is not finalized. */
  pass_status: z.boolean().optional(),
  star_metric_result: APIEvaluationMetricResultSchema.optional(),
  run_level_metric_results: z.array(APIEvaluationMetricResultSchema).optional(),
  error_description: z.string().optional(),
  queued_at: z.string().optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  test_case_uuid: z.string().optional(),
  test_case_name: z.string().optional(),
  test_case_description: z.string().optional(),
  test_case_version: z.number().int().optional(),
  evaluation_test_case_workspace_uuid: z.string().optional(),
  agent_uuid: z.string().optional(),
  agent_name: z.string().optional(),
  agent_version_hash: z.string().optional(),
  agent_workspace_uuid: z.string().optional(),
  agent_deleted: z.boolean().optional(),
  created_by_user_id: z.string().optional(),
  created_by_user_email: z.string().optional(),
})
export type APIEvaluationRun = z.infer<typeof APIEvaluationRunSchema>

export const APIPromptChunkSchema = z.object({
  chunk_usage_pct: z.number().optional(),
  chunk_used: z.boolean().optional(),
  index_uuid: z.string().optional(),
  source_name: z.string().optional(),
  text: z.string().optional(),
})

/** One dataset row (run item) of a run. */
export const APIEvaluationPromptSchema = z.object({
  /** The run item's 1-based ordinal. */
  prompt_id: z.number().int().optional(),
  input: z.string().optional(),
  output: z.string().optional(),
  ground_truth: z.string().optional(),
  input_tokens: Int64StringSchema.optional(),
  output_tokens: Int64StringSchema.optional(),
  prompt_level_metric_results: z.array(APIEvaluationMetricResultSchema).optional(),
  prompt_chunks: z.array(APIPromptChunkSchema).optional(),
  /** py-only field in the Gradient spec; the OTel trace id of the task span. */
  trace_id: z.string().optional(),
})
export type APIEvaluationPrompt = z.infer<typeof APIEvaluationPromptSchema>

export const APILinksSchema = z.object({
  pages: z
    .object({
      first: z.string().optional(),
      last: z.string().optional(),
      next: z.string().optional(),
      previous: z.string().optional(),
    })
    .optional(),
})
export type APILinks = z.infer<typeof APILinksSchema>

export const APIMetaSchema = z.object({
  page: z.number().int().optional(),
  pages: z.number().int().optional(),
  total: z.number().int().optional(),
})
export type APIMeta = z.infer<typeof APIMetaSchema>

/** Row of GET /v2/gen-ai/evaluation_datasets (fields from the DigitalOcean MCP README). */
export const APIEvaluationDatasetSchema = z.object({
  dataset_uuid: z.string(),
  dataset_name: z.string(),
  created_at: z.string(),
  row_count: z.number().int(),
  file_size: Int64StringSchema.optional(),
  has_ground_truth: z.boolean(),
})
export type APIEvaluationDataset = z.infer<typeof APIEvaluationDatasetSchema>

// ---------- responses ----------
export const CreateTestCaseResponseSchema = z.object({ test_case_uuid: z.string() })
export const RetrieveTestCaseResponseSchema = z.object({ evaluation_test_case: APIEvaluationTestCaseSchema })
export const UpdateTestCaseResponseSchema = z.object({
  test_case_uuid: z.string(),
  version: z.number().int(),
})
export const ListTestCasesResponseSchema = z.object({
  evaluation_test_cases: z.array(APIEvaluationTestCaseSchema),
})
export const ListEvaluationRunsResponseSchema = z.object({ evaluation_runs: z.array(APIEvaluationRunSchema) })
export const RetrieveRunResponseSchema = z.object({ evaluation_run: APIEvaluationRunSchema })
export const ListResultsResponseSchema = z.object({
  evaluation_run: APIEvaluationRunSchema,
  prompts: z.array(APIEvaluationPromptSchema),
  links: APILinksSchema,
  meta: APIMetaSchema,
})
export type ListResultsResponse = z.infer<typeof ListResultsResponseSchema>
export const RetrievePromptResponseSchema = z.object({ prompt: APIEvaluationPromptSchema })
export const ListMetricsResponseSchema = z.object({ metrics: z.array(APIEvaluationMetricSchema) })
export const CreateEvaluationDatasetResponseSchema = z.object({ evaluation_dataset_uuid: z.string() })
export const ListDatasetsResponseSchema = z.object({
  evaluation_datasets: z.array(APIEvaluationDatasetSchema),
})
export const PresignedUploadSchema = z.object({
  expires_at: z.string(),
  object_key: z.string(),
  original_file_name: z.string(),
  presigned_url: z.string(),
})
export const PresignedUrlsResponseSchema = z.object({
  request_id: z.string(),
  uploads: z.array(PresignedUploadSchema),
})
export type PresignedUrlsResponse = z.infer<typeof PresignedUrlsResponseSchema>

/** Every Gradient-route error. The SDK turns `message` into the thrown error's message. */
export const GradientErrorSchema = z.object({
  id: z.string(),
  message: z.string(),
  /** Path of the first failing field, e.g. `star_metric.success_threshold_pct`. */
  path: z.string().optional(),
})
export type GradientError = z.infer<typeof GradientErrorSchema>

// ---------- requests ----------
const Uuid = z.string().min(1).max(200)

/** Accepts the SDK's int64 strings and plain non-negative integers. */
const Int64Input = z.union([Int64StringSchema, z.number().int().min(0)]).transform((v) => String(v))

const StarMetricInputSchema = z.object({
  metric_uuid: Uuid.optional(),
  name: z.string().min(1).max(200).optional(),
  success_threshold: z.number().optional(),
  success_threshold_pct: z.number().min(0).max(100).optional(),
})
export type StarMetricInput = z.infer<typeof StarMetricInputSchema>

/** POST /v2/gen-ai/evaluation_test_cases. `metrics` is an array of metric uuids. */
export const CreateTestCaseBodySchema = z.object({
  name: z.string().min(1).max(300),
  description: z.string().max(5000).optional(),
  dataset_uuid: Uuid,
  metrics: z.array(Uuid).min(1).max(100),
  star_metric: StarMetricInputSchema.optional(),
  /** Accepted for SDK compatibility; evalgate scopes by API-key project, not workspace. */
  workspace_uuid: z.string().optional(),
})
export type CreateTestCaseBody = z.infer<typeof CreateTestCaseBodySchema>

/** PUT /v2/gen-ai/evaluation_test_cases/{uuid}. `metrics` is `{ metric_uuids }` here. */
export const UpdateTestCaseBodySchema = z.object({
  name: z.string().min(1).max(300).optional(),
  description: z.string().max(5000).optional(),
  dataset_uuid: Uuid.optional(),
  metrics: z.object({ metric_uuids: z.array(Uuid).min(1).max(100) }).optional(),
  star_metric: StarMetricInputSchema.optional(),
  /** The SDK's name for the body copy of the path uuid; must match the path when present. */
  body_test_case_uuid: Uuid.optional(),
  /** The API's wire name for the same field; must match the path when present. */
  test_case_uuid: Uuid.optional(),
})
export type UpdateTestCaseBody = z.infer<typeof UpdateTestCaseBodySchema>

export const TestCaseVersionQuerySchema = z.object({
  evaluation_test_case_version: z.coerce.number().int().min(1).max(MAX_INT32).optional(),
})

export const ListResultsQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(MAX_INT32).default(1),
  per_page: z.coerce.number().int().min(1).max(MAX_INT32).max(1000).default(20),
})
export type ListResultsQuery = z.infer<typeof ListResultsQuerySchema>

export const PromptIdParamSchema = z.coerce.number().int().min(1).max(MAX_INT32)

/** POST /v2/gen-ai/evaluation_runs: validated only to name the reason it cannot run here. */
export const CreateEvaluationRunBodySchema = z.object({
  test_case_uuid: Uuid.optional(),
  agent_uuids: z.array(Uuid).optional(),
  run_name: z.string().optional(),
})

export const PresignedUrlsBodySchema = z.object({
  files: z
    .array(
      z.object({
        file_name: z.string().min(1).max(500),
        file_size: Int64Input.optional(),
      }),
    )
    .min(1)
    .max(20),
})
export type PresignedUrlsBody = z.infer<typeof PresignedUrlsBodySchema>

export const CreateEvaluationDatasetBodySchema = z.object({
  name: z.string().min(1).max(300),
  file_upload_dataset: z.object({
    stored_object_key: z.string().min(1).max(500),
    original_file_name: z.string().max(500).optional(),
    size_in_bytes: Int64Input.optional(),
  }),
})
export type CreateEvaluationDatasetBody = z.infer<typeof CreateEvaluationDatasetBodySchema>
