import { sql } from 'kysely'
import type { Executor } from '../bulk.js'
import type { NetraRunItemsTable, NetraRunsTable } from '../schema.js'

export async function insertNetraRun(db: Executor, row: NetraRunsTable): Promise<void> {
  await db.insertInto('netra_runs').values(row).execute()
}

export async function findNetraRun(db: Executor, runId: string): Promise<NetraRunsTable | undefined> {
  return db.selectFrom('netra_runs').selectAll().where('run_id', '=', runId).executeTakeFirst()
}

export async function setEvaluationsDue(db: Executor, runId: string, dueAt: string | null): Promise<void> {
  await db.updateTable('netra_runs').set({ evaluations_due_at: dueAt }).where('run_id', '=', runId).execute()
}

export async function upsertNetraRunItem(db: Executor, row: NetraRunItemsTable): Promise<void> {
  await db
    .insertInto('netra_run_items')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['run_id', 'ordinal']).doUpdateSet({
        dataset_item_id: row.dataset_item_id,
        session_id: row.session_id,
        trace_id: row.trace_id,
      }),
    )
    .execute()
}

/** A Netra run item and the trace it is in. */
export interface NetraTraceItem {
  run_id: string
  ordinal: number
  trace_id: string
  span_id: string
}

/** The project's Netra run items in these traces. */
export async function listNetraItemsOfTraces(
  db: Executor,
  projectId: string,
  traceIds: readonly string[],
): Promise<NetraTraceItem[]> {
  if (traceIds.length === 0) return []
  return db
    .selectFrom('netra_run_items as n')
    .innerJoin('run_items as ri', (j) =>
      j.onRef('ri.run_id', '=', 'n.run_id').onRef('ri.ordinal', '=', 'n.ordinal'),
    )
    .innerJoin('runs as r', 'r.id', 'n.run_id')
    .select(['n.run_id', 'n.ordinal', 'ri.trace_id', 'ri.span_id'])
    .where('n.trace_id', 'in', traceIds)
    .where('r.project_id', '=', projectId)
    .execute()
}

/** The Netra facts of a run's items with these ordinals. */
export async function listNetraRunItems(
  db: Executor,
  runId: string,
  ordinals: readonly number[],
): Promise<NetraRunItemsTable[]> {
  if (ordinals.length === 0) return []
  const lo = Math.min(...ordinals)
  const hi = Math.max(...ordinals)
  const rows = await db
    .selectFrom('netra_run_items')
    .selectAll()
    .where('run_id', '=', runId)
    .where('ordinal', '>=', lo)
    .where('ordinal', '<=', hi)
    .execute()
  const wanted = new Set(ordinals)
  return rows.filter((r) => wanted.has(r.ordinal))
}

/** Items whose task completed but that have no score yet: local evaluations still due. */
/** Completed items without a score from the SDK's local evaluators. */
export async function countUnscoredCompletedItems(db: Executor, runId: string): Promise<number> {
  const row = await db
    .selectFrom('run_items')
    .select(sql<number>`count(*)`.as('n'))
    .where('run_id', '=', runId)
    .where('status', '=', 'completed')
    // scores the SDK posted (N6), not those the server's own evaluators add
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('scores')
            .select('scores.run_id')
            .whereRef('scores.run_id', '=', 'run_items.run_id')
            .whereRef('scores.ordinal', '=', 'run_items.ordinal')
            .where((eb) => eb.or([eb('scores.source', 'is', null), eb('scores.source', '!=', 'server')])),
        ),
      ),
    )
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}
