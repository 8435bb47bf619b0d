import { type Executor, insertRows, type PgType, type SqlValue } from '../bulk.js'
import type { Store } from '../open.js'
import type { SpansTable } from '../schema.js'

export const SPAN_COLUMNS = [
  'project_id',
  'trace_id',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  'start_ns',
  'end_ns',
  'duration_ms',
  'status_code',
  'status_message',
  'attributes',
  'events',
  'resource',
  'service_name',
  'scope_name',
  'scope_version',
  'received_at',
] as const satisfies readonly (keyof SpansTable)[]

const T = 'text'
// PostgreSQL types of SPAN_COLUMNS, in order (for unnest-based bulk inserts)
const SPAN_TYPES: readonly PgType[] = [T, T, T, T, T, T, T, T, 'double precision', T, T, T, T, T, T, T, T, T]

/** A span already stored under the same (project, trace, span) is kept: exporters retry batches. */
const KEEP_FIRST = 'on conflict (project_id, trace_id, span_id) do nothing'

/** Inserts span rows (values in SPAN_COLUMNS order) inside the caller's transaction. */
export async function insertSpanRows(
  db: Executor,
  store: Pick<Store, 'dialect' | 'maxParams' | 'sqlite'>,
  rows: readonly SqlValue[][],
): Promise<void> {
  await insertRows(db, store, 'spans', SPAN_COLUMNS, rows, SPAN_TYPES, KEEP_FIRST)
}

/** The first span of the project with this span id (span ids are unique in practice). */
export async function findSpanBySpanId(
  db: Executor,
  projectId: string,
  spanId: string,
): Promise<SpansTable | undefined> {
  return db
    .selectFrom('spans')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('span_id', '=', spanId)
    .limit(1)
    .executeTakeFirst()
}

/** The project's spans of these traces: what an item's usage is computed from. */
export async function listSpansOfTraces(
  db: Executor,
  projectId: string,
  traceIds: readonly string[],
): Promise<Pick<SpansTable, 'trace_id' | 'span_id' | 'parent_span_id' | 'duration_ms' | 'attributes'>[]> {
  if (traceIds.length === 0) return []
  return db
    .selectFrom('spans')
    .select(['trace_id', 'span_id', 'parent_span_id', 'duration_ms', 'attributes'])
    .where('project_id', '=', projectId)
    .where('trace_id', 'in', traceIds)
    .execute()
}

/**
 * Whether the project has any span (of `traceId`, when given). Most projects export none: a fill
 * from spans then stops at this one indexed lookup.
 */
export async function hasSpans(db: Executor, projectId: string, traceId?: string): Promise<boolean> {
  let query = db.selectFrom('spans').select('span_id').where('project_id', '=', projectId)
  if (traceId !== undefined) query = query.where('trace_id', '=', traceId)
  return (await query.limit(1).executeTakeFirst()) !== undefined
}

/** Every span of one trace of the project (unordered: start times are compared as integers). */
export async function listTraceSpans(
  db: Executor,
  projectId: string,
  traceId: string,
): Promise<SpansTable[]> {
  return db
    .selectFrom('spans')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('trace_id', '=', traceId)
    .execute()
}
