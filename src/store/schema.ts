/**
 * Row types of the evalgate database, shared by both dialects.
 * Conventions: ids are uuid text; timestamps are ISO-8601 text (sortable); booleans are integers
 * 0/1; JSON values are stored as text (`JSON.stringify`), with SQL NULL meaning "absent".
 */
export interface ProjectsTable {
  id: string
  name: string
  created_at: string
}

export interface ApiKeysTable {
  id: string
  project_id: string
  key_hash: string
  prefix: string
  created_at: string
  /** `project` (use the project) or `admin` (also mint and revoke the project's keys). */
  scope: string
  /** Set when revoked: the key authenticates no more. */
  revoked_at: string | null
}

export interface DatasetsTable {
  id: string
  project_id: string
  name: string
  description: string | null
  tags: string
  turn_type: string
  version: number
  content_hash: string | null
  item_count: number
  created_at: string
  updated_at: string
}

export interface DatasetItemsTable {
  dataset_id: string
  id: string
  position: number
  input: string
  expected: string | null
  tags: string
  metadata: string
  created_at: string
}

export interface DatasetVersionsTable {
  dataset_id: string
  version: number
  content_hash: string
  item_count: number
  created_at: string
}

export interface MetricsTable {
  id: string
  project_id: string
  name: string
  description: string | null
  score_type: string
  value_type: string
  range_min: number
  range_max: number
  inverted: number
  threshold: number | null
  /** JSON ServerEvaluatorRef when the server scores this metric; null otherwise. */
  evaluator: string | null
  created_at: string
  updated_at: string
}

export interface SuitesTable {
  id: string
  project_id: string
  name: string
  description: string | null
  current_version: number
  created_at: string
  updated_at: string
}

export interface SuiteVersionsTable {
  suite_id: string
  version: number
  /** Content address of what makes a version (suiteVersionKey in src/dataset/identity.ts). */
  def_key: string
  /** The suite's name and description as this version had them (Gradient versions); null = the suite's. */
  name: string | null
  description: string | null
  dataset_id: string | null
  dataset_name: string
  dataset_version: string
  dataset_size: number
  turn_type: string
  metrics: string
  star: string | null
  gate: string | null
  created_at: string
}

export interface RunsTable {
  id: string
  project_id: string
  suite_id: string
  suite_version: number
  run_group: string
  name: string
  status: string
  evaluation_status: string
  dataset_version: string
  turn_type: string
  origin: string
  error_description: string | null
  expected_items: number | null
  /** Highest ordinal handed out so far (ordinals are 1-based). */
  item_seq: number
  /** Cached RunSummary JSON; recomputed when `summary_stale` is 1. */
  summary: string | null
  summary_stale: number
  finalized: number
  queued_at: string
  started_at: string | null
  finished_at: string | null
  created_at: string
  updated_at: string
}

/** Keyed by (run_id, ordinal); the wire id of a run item is `<run id>:<ordinal>`. */
export interface RunItemsTable {
  run_id: string
  item_id: string
  trial: number
  ordinal: number
  idx: number
  status: string
  /** `passed` | `failed` | `errored`: the results filter. */
  outcome: string
  passed: number
  input: string
  expected: string | null
  tags: string
  metadata: string
  output: string
  error: string | null
  /** Null when unknown: a Netra item whose spans have not arrived (its SDK sends no timings). */
  latency_ms: number | null
  started_at: string
  input_tokens: number | null
  output_tokens: number | null
  cost_usd: number | null
  tool_calls: string | null
  trace_id: string
  span_id: string
  score_count: number
  updated_at: string
}

/** One score per (run item, position in the item's score list). */
export interface ScoresTable {
  run_id: string
  ordinal: number
  position: number
  metric: string
  score: number | null
  passed: number | null
  threshold: number | null
  inverted: number
  reason: string | null
  metadata: string | null
  error: string | null
  duration_ms: number
  /** `server` when the server computed the score (src/server/scoring/); null when it was uploaded. */
  source: string | null
}

/** One unit of server-side work (src/server/jobs/). */
export interface JobsTable {
  id: string
  kind: string
  project_id: string
  /** Identifies one piece of work of its kind forever: enqueueing an existing key is a no-op. */
  job_key: string | null
  /** What the job works on (a run id, an evaluation run id): jobs are counted and cancelled by it. */
  subject: string | null
  /** JSON */
  payload: string
  /** `queued` | `running` | `succeeded` | `failed` | `cancelled` */
  status: string
  /** Claims so far (a claim whose lease lapsed counts). */
  attempts: number
  max_attempts: number
  lease_owner: string | null
  lease_expires_at: string | null
  /** Not claimed before this time (backoff after a failure, or a delay asked at enqueue). */
  run_after: string
  last_error: string | null
  /** JSON of what the handler returned (succeeded jobs). */
  result: string | null
  created_at: string
  updated_at: string
  finished_at: string | null
}

/** A Gradient presigned-upload slot (src/server/gradient/uploads.ts): pending until a dataset takes it. */
export interface PendingUploadsTable {
  object_key: string
  project_id: string
  token_hash: string
  file_name: string
  expires_at: string
  /** The complete upload's chunk set, once a PUT finished. */
  upload_id: string | null
  bytes: number
  /** A PUT in progress (on any server): its chunk set, bytes so far and lease. */
  receiving_id: string | null
  receiving_bytes: number
  receiving_until: string | null
  /** Being turned into a dataset (a lease, so a crash mid-create frees it). */
  taken_until: string | null
}

export interface PendingUploadChunksTable {
  object_key: string
  upload_id: string
  seq: number
  /** base64 of the chunk's bytes (the schema stays text/integer/double on both dialects). */
  data: string
}

/** Netra-specific facts of a run (src/server/netra/); absent for runs created elsewhere. */
export interface NetraRunsTable {
  run_id: string
  dataset_id: string | null
  /** JSON array of `{ name, label, scoreType }`: the evaluators the SDK runs locally. */
  local_evaluators: string
  /** Set when the SDK reported the run complete while local evaluations were still due: the grace deadline. */
  evaluations_due_at: string | null
}

/** Per Netra run item: where it came from (keyed like run_items). */
export interface NetraRunItemsTable {
  run_id: string
  ordinal: number
  dataset_item_id: string | null
  session_id: string | null
  /** The run item's trace id (copied here, indexed): spans arriving over OTLP find their Netra items by it. */
  trace_id: string | null
}

/**
 * One OTLP span, keyed by (project_id, trace_id, span_id). Ids are lowercase hex; times are
 * nanoseconds since the epoch as decimal text (exact, unlike a double); JSON columns hold the
 * attribute maps (OTLP AnyValues as plain JSON), the events and the resource attributes.
 */
export interface SpansTable {
  project_id: string
  trace_id: string
  span_id: string
  parent_span_id: string | null
  name: string
  /** `internal` | `server` | `client` | `producer` | `consumer` | `unspecified` */
  kind: string
  start_ns: string
  end_ns: string
  duration_ms: number
  /** `unset` | `ok` | `error` */
  status_code: string
  status_message: string | null
  attributes: string
  events: string
  resource: string
  service_name: string | null
  scope_name: string | null
  scope_version: string | null
  received_at: string
}

/** An OpenAI-compatible endpoint; its key is stored encrypted (api_key_enc) or named by env var. */
export interface AgentsTable {
  id: string
  project_id: string
  name: string
  base_url: string
  model: string
  /** AES-256-GCM ciphertext (src/server/agents/secrets.ts), or null. */
  api_key_enc: string | null
  api_key_env: string | null
  timeout_ms: number
  concurrency: number
  system_prompt: string | null
  created_at: string
}

/** The agent side of a run made by `POST /v2/gen-ai/evaluation_runs` (one per agent). */
export interface AgentRunsTable {
  run_id: string
  project_id: string
  agent_id: string
  /** The agent's name when the run was made (the agent may be removed since). */
  agent_name: string
  dataset_id: string
  /** `queued` | `dataset` | `done` (see src/server/agents/agent-runs.ts). */
  phase: string
  cancel_requested: number
  created_at: string
  updated_at: string
}

export interface Database {
  projects: ProjectsTable
  api_keys: ApiKeysTable
  datasets: DatasetsTable
  dataset_items: DatasetItemsTable
  dataset_versions: DatasetVersionsTable
  metrics: MetricsTable
  suites: SuitesTable
  suite_versions: SuiteVersionsTable
  runs: RunsTable
  run_items: RunItemsTable
  scores: ScoresTable
  pending_uploads: PendingUploadsTable
  pending_upload_chunks: PendingUploadChunksTable
  netra_runs: NetraRunsTable
  netra_run_items: NetraRunItemsTable
  spans: SpansTable
  jobs: JobsTable
  agents: AgentsTable
  agent_runs: AgentRunsTable
}
