import { type Kysely, type Migration, type MigrationProvider, SqliteAdapter, sql } from 'kysely'
import { migrateItemIdentity, rekeySuiteVersions } from './identity-migration.js'

/**
 * In-code migrations. The SQL must be valid on SQLite and PostgreSQL: only `text`, `integer` and
 * `double precision` columns (SQLite maps the latter to REAL), no dialect-specific defaults; the
 * one dialect-specific option (WITHOUT ROWID) is applied on SQLite only.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      const sqlite = db.getExecutor().adapter instanceof SqliteAdapter
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('api_keys_project').on('api_keys').column('project_id').execute()

      await db.schema
        .createTable('datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('turn_type', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('content_hash', 'text')
        .addColumn('item_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('datasets_project_name')
        .on('datasets')
        .columns(['project_id', 'name'])
        .execute()
      await db.schema
        .createIndex('datasets_project_created')
        .on('datasets')
        .columns(['project_id', 'created_at'])
        .execute()

      await db.schema
        .createTable('dataset_items')
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('expected', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_items_pk', ['dataset_id', 'id'])
        .execute()
      await db.schema
        .createIndex('dataset_items_position')
        .on('dataset_items')
        .columns(['dataset_id', 'position'])
        .execute()

      await db.schema
        .createTable('dataset_versions')
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('item_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_versions_pk', ['dataset_id', 'version'])
        .execute()

      await db.schema
        .createTable('metrics')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('score_type', 'text', (c) => c.notNull())
        .addColumn('value_type', 'text', (c) => c.notNull())
        .addColumn('range_min', 'double precision', (c) => c.notNull())
        .addColumn('range_max', 'double precision', (c) => c.notNull())
        .addColumn('inverted', 'integer', (c) => c.notNull())
        .addColumn('threshold', 'double precision')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('metrics_project_name', ['project_id', 'name'])
        .execute()

      await db.schema
        .createTable('suites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('current_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('suites_project_name', ['project_id', 'name'])
        .execute()
      await db.schema
        .createIndex('suites_project_updated')
        .on('suites')
        .columns(['project_id', 'updated_at'])
        .execute()

      await db.schema
        .createTable('suite_versions')
        .addColumn('suite_id', 'text', (c) => c.notNull().references('suites.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('def_key', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'text')
        .addColumn('dataset_name', 'text', (c) => c.notNull())
        .addColumn('dataset_version', 'text', (c) => c.notNull())
        .addColumn('dataset_size', 'integer', (c) => c.notNull())
        .addColumn('turn_type', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('star', 'text')
        .addColumn('gate', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('suite_versions_pk', ['suite_id', 'version'])
        .execute()

      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('suite_id', 'text', (c) => c.notNull().references('suites.id').onDelete('cascade'))
        .addColumn('suite_version', 'integer', (c) => c.notNull())
        .addColumn('run_group', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('evaluation_status', 'text', (c) => c.notNull())
        .addColumn('dataset_version', 'text', (c) => c.notNull())
        .addColumn('turn_type', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('error_description', 'text')
        .addColumn('expected_items', 'integer')
        .addColumn('item_seq', 'integer', (c) => c.notNull())
        .addColumn('summary', 'text')
        .addColumn('summary_stale', 'integer', (c) => c.notNull())
        .addColumn('finalized', 'integer', (c) => c.notNull())
        .addColumn('queued_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('runs_group_suite_version', [
          'project_id',
          'run_group',
          'suite_id',
          'suite_version',
        ])
        .execute()
      await db.schema
        .createIndex('runs_suite_version_created')
        .on('runs')
        .columns(['suite_id', 'suite_version', 'created_at'])
        .execute()
      await db.schema
        .createIndex('runs_suite_created')
        .on('runs')
        .columns(['suite_id', 'created_at'])
        .execute()
      await db.schema
        .createIndex('runs_project_created')
        .on('runs')
        .columns(['project_id', 'created_at'])
        .execute()
      await db.schema
        .createIndex('runs_project_group')
        .on('runs')
        .columns(['project_id', 'run_group'])
        .execute()

      // Run items are keyed by (run, ordinal): ordinals grow within a run, so inserts append to the
      // B-trees instead of scattering random uuids; scores share the key prefix.
      await db.schema
        .createTable('run_items')
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('trial', 'integer', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('expected', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('output', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('input_tokens', 'integer')
        .addColumn('output_tokens', 'integer')
        .addColumn('cost_usd', 'double precision')
        .addColumn('tool_calls', 'text')
        .addColumn('trace_id', 'text', (c) => c.notNull())
        .addColumn('span_id', 'text', (c) => c.notNull())
        .addColumn('score_count', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_items_pk', ['run_id', 'ordinal'])
        .addUniqueConstraint('run_items_run_item_trial', ['run_id', 'item_id', 'trial'])
        .execute()
      await db.schema
        .createIndex('run_items_run_outcome_ordinal')
        .on('run_items')
        .columns(['run_id', 'outcome', 'ordinal'])
        .execute()

      await db.schema
        .createTable('scores')
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision')
        .addColumn('passed', 'integer')
        .addColumn('threshold', 'double precision')
        .addColumn('inverted', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('metadata', 'text')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('scores_pk', ['run_id', 'ordinal', 'position'])
        // small rows looked up only by their key: one B-tree instead of table + key index
        .$call((t) => (sqlite ? t.modifyEnd(sql`without rowid`) : t))
        .execute()
    },
  },
  '0002_verdict': {
    // Summaries now carry the run's verdict (src/gate/verdict.ts): cached ones are recomputed on
    // their next read.
    async up(db: Kysely<unknown>) {
      await sql`update runs set summary_stale = 1`.execute(db)
    },
  },
  '0003_item_identity': {
    async up(db: Kysely<unknown>) {
      await migrateItemIdentity(db)
    },
  },
  '0004_suite_versions': {
    // Suite versions are content-addressed (def_key = suiteVersionKey) and snapshot the name and
    // description they had, so any version can be retrieved whole.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('suite_versions').addColumn('name', 'text').execute()
      await db.schema.alterTable('suite_versions').addColumn('description', 'text').execute()
      await rekeySuiteVersions(db)
      await db.schema
        .createIndex('suite_versions_suite_key')
        .on('suite_versions')
        .columns(['suite_id', 'def_key'])
        .execute()
    },
  },
  /** Keys get a scope (`project`: use the project; `admin`: also manage its keys) and can be revoked. */
  '0005_api_key_scope_revocation': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('api_keys')
        .addColumn('scope', 'text', (c) => c.notNull().defaultTo('project'))
        .execute()
      await db.schema.alterTable('api_keys').addColumn('revoked_at', 'text').execute()
    },
  },
  /**
   * The job queue of server-side work (src/server/jobs/): every server on the database claims from
   * it with a lease, so work outlives the process that queued it.
   */
  '0006_jobs': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('job_key', 'text')
        .addColumn('subject', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('result', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addUniqueConstraint('jobs_kind_key', ['kind', 'job_key'])
        .execute()
      // claims: due queued jobs and running jobs whose lease lapsed
      await db.schema
        .createIndex('jobs_status_run_after')
        .on('jobs')
        .columns(['status', 'run_after'])
        .execute()
      await db.schema
        .createIndex('jobs_status_lease')
        .on('jobs')
        .columns(['status', 'lease_expires_at'])
        .execute()
      await db.schema.createIndex('jobs_project_kind').on('jobs').columns(['project_id', 'kind']).execute()
      await db.schema.createIndex('jobs_subject_status').on('jobs').columns(['subject', 'status']).execute()
    },
  },
  /**
   * Server-side evaluators (src/server/scoring/): a catalogue metric may name the evaluator that
   * scores it (JSON ServerEvaluatorRef), and scores the server computed are marked `source = 'server'`.
   */
  '0006_jobs_server_scores': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('metrics').addColumn('evaluator', 'text').execute()
      await db.schema.alterTable('scores').addColumn('source', 'text').execute()
      // evaluationStatus now tracks the evaluation (pending/running/completed/failed); the verdict
      // stays in the summary
      await sql`update runs set evaluation_status = 'completed' where evaluation_status in ('passed', 'failed')`.execute(
        db,
      )
    },
  },
  /**
   * OTLP spans, per project, keyed by (project, trace id, span id): an exporter's retry of a batch
   * stores nothing twice. A run item links to its spans through run_items.trace_id; the Netra
   * span probe looks spans up by span id alone.
   */
  '0007_spans': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('spans')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('trace_id', 'text', (c) => c.notNull())
        .addColumn('span_id', 'text', (c) => c.notNull())
        .addColumn('parent_span_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('start_ns', 'text', (c) => c.notNull())
        .addColumn('end_ns', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'double precision', (c) => c.notNull())
        .addColumn('status_code', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('service_name', 'text')
        .addColumn('scope_name', 'text')
        .addColumn('scope_version', 'text')
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('spans_pk', ['project_id', 'trace_id', 'span_id'])
        .execute()
      await db.schema
        .createIndex('spans_project_span')
        .on('spans')
        .columns(['project_id', 'span_id'])
        .execute()
    },
  },
  /**
   * Agents (OpenAI-compatible endpoints a Gradient evaluation run calls) and the agent run of each
   * run made by one: which agent, how far it got, whether a cancel was asked for.
   */
  '0008_agents': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('base_url', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('api_key_enc', 'text')
        .addColumn('api_key_env', 'text')
        .addColumn('timeout_ms', 'integer', (c) => c.notNull())
        .addColumn('concurrency', 'integer', (c) => c.notNull())
        .addColumn('system_prompt', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('agents_project_name', ['project_id', 'name'])
        .execute()
      await db.schema
        .createTable('agent_runs')
        .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id').onDelete('cascade'))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('agent_name', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('cancel_requested', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('agent_runs_phase').on('agent_runs').column('phase').execute()
    },
  },
  /**
   * What the Netra evaluation API (src/server/netra/) knows of a run beyond the native run: its
   * dataset, its local evaluators and, once the SDK reported it complete, until when local
   * evaluations are awaited; per run item, the dataset item and the session it came from.
   */
  '0009_netra': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('netra_runs')
        .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id').onDelete('cascade'))
        .addColumn('dataset_id', 'text')
        .addColumn('local_evaluators', 'text', (c) => c.notNull())
        .addColumn('evaluations_due_at', 'text')
        .execute()
      await db.schema
        .createTable('netra_run_items')
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('dataset_item_id', 'text')
        .addColumn('session_id', 'text')
        .addPrimaryKeyConstraint('netra_run_items_pk', ['run_id', 'ordinal'])
        .execute()
    },
  },
  /**
   * Gradient presigned uploads live in the database, not in one server's memory and temp dir: the
   * PUT and the dataset create may reach different servers on one database, and a pending upload
   * survives a restart (ARCHITECTURE.md §8).
   */
  '0010_pending_uploads': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pending_uploads')
        .addColumn('object_key', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('upload_id', 'text')
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('receiving_id', 'text')
        .addColumn('receiving_bytes', 'integer', (c) => c.notNull())
        .addColumn('receiving_until', 'text')
        .addColumn('taken_until', 'text')
        .execute()
      await db.schema
        .createIndex('pending_uploads_project')
        .on('pending_uploads')
        .column('project_id')
        .execute()
      await db.schema
        .createIndex('pending_uploads_expiry')
        .on('pending_uploads')
        .column('expires_at')
        .execute()
      await db.schema
        .createTable('pending_upload_chunks')
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('upload_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('pending_upload_chunks_pk', ['object_key', 'upload_id', 'seq'])
        .execute()
    },
  },
  /**
   * Netra items get their latency, tokens and cost from the OTLP spans of their trace (the SDK
   * sends none): each keeps its trace id where arriving spans look it up, without an index on
   * every run item's trace id (the native upload path would pay for it).
   */
  '0011_netra_item_traces': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('netra_run_items').addColumn('trace_id', 'text').execute()
      await sql`update netra_run_items set trace_id = (select ri.trace_id from run_items ri
        where ri.run_id = netra_run_items.run_id and ri.ordinal = netra_run_items.ordinal)`.execute(db)
      await db.schema.createIndex('netra_run_items_trace').on('netra_run_items').column('trace_id').execute()
    },
  },
  /**
   * A run item's latency may be unknown: a Netra item's comes from its spans (the SDK sends no
   * timings), and until they arrive the item has none. It was stored as 0, which counted in the
   * run's mean and p95 latency. Netra items still at 0 become unknown, and their runs' summaries
   * are computed again. SQLite cannot drop a NOT NULL: the table is rebuilt, as it was, inside the
   * migration's transaction (no other table references run_items).
   */
  '0012_unknown_latency': {
    async up(db: Kysely<unknown>) {
      const sqlite = db.getExecutor().adapter instanceof SqliteAdapter
      if (sqlite) await rebuildRunItemsWithNullableLatency(db)
      else
        await db.schema
          .alterTable('run_items')
          .alterColumn('latency_ms', (c) => c.dropNotNull())
          .execute()
      await sql`update run_items set latency_ms = null where latency_ms = 0 and exists (select 1
        from netra_run_items n where n.run_id = run_items.run_id and n.ordinal = run_items.ordinal)`.execute(
        db,
      )
      await sql`update runs set summary_stale = 1 where id in (select run_id from netra_run_items)`.execute(
        db,
      )
    },
  },
}

/** run_items as 0001 made it, but for a nullable latency_ms (migration 0012, SQLite only). */
async function rebuildRunItemsWithNullableLatency(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('run_items_rebuilt')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('ordinal', 'integer', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('trial', 'integer', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('passed', 'integer', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('expected', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('latency_ms', 'double precision')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('input_tokens', 'integer')
    .addColumn('output_tokens', 'integer')
    .addColumn('cost_usd', 'double precision')
    .addColumn('tool_calls', 'text')
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('span_id', 'text', (c) => c.notNull())
    .addColumn('score_count', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_items_pk', ['run_id', 'ordinal'])
    .addUniqueConstraint('run_items_run_item_trial', ['run_id', 'item_id', 'trial'])
    .execute()
  // every column of the new table, by name, from the old one (a missing one fails the migration)
  const { rows } = await sql<{
    name: string
  }>`select name from pragma_table_info('run_items_rebuilt')`.execute(db)
  const columns = rows.map((r) => r.name).join(', ')
  await sql
    .raw(
      `insert into run_items_rebuilt (${columns}) select ${columns} from run_items order by run_id, ordinal`,
    )
    .execute(db)
  await db.schema.dropTable('run_items').execute()
  await db.schema.alterTable('run_items_rebuilt').renameTo('run_items').execute()
  await db.schema
    .createIndex('run_items_run_outcome_ordinal')
    .on('run_items')
    .columns(['run_id', 'outcome', 'ordinal'])
    .execute()
}

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations
  },
}

/**
 * A stamp of exactly this set of migrations (FNV-1a of their names, 31 bits, never 0), kept in
 * SQLite's `user_version` header field once they are applied: a store opened with its stamp
 * current skips the migrator (its table reads and the write lock), which every embedded server of
 * every `vitest run` would otherwise pay. Any added or renamed migration changes the stamp.
 */
export function migrationStamp(): number {
  let hash = 0x811c9dc5
  for (const char of Object.keys(migrations).sort().join('\n')) {
    hash ^= char.charCodeAt(0)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash & 0x7fffffff || 1
}
