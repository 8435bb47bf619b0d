import type { Executor } from '../bulk.js'
import type { RunItemsTable, ScoresTable } from '../schema.js'

/** Score positions of server-computed scores start here (uploaded scores use 0, 1, …). */
export const SERVER_SCORE_POSITION = 10_000

/** The run items at these ordinals (those that still exist), in ordinal order. */
export async function loadItemsByOrdinals(
  db: Executor,
  runId: string,
  ordinals: readonly number[],
): Promise<RunItemsTable[]> {
  if (ordinals.length === 0) return []
  return db
    .selectFrom('run_items')
    .selectAll()
    .where('run_id', '=', runId)
    .where('ordinal', 'in', [...ordinals])
    .orderBy('ordinal')
    .execute()
}

/** Ordinals of every item of a run. */
export async function listOrdinals(db: Executor, runId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('run_items')
    .select('ordinal')
    .where('run_id', '=', runId)
    .orderBy('ordinal')
    .execute()
  return rows.map((r) => r.ordinal)
}

/**
 * Replaces the server-computed scores of one run item and stores its recomputed pass/outcome,
 * inside the caller's transaction. Uploaded scores are left alone.
 */
export async function replaceServerScores(
  db: Executor,
  runId: string,
  ordinal: number,
  scores: ScoresTable[],
  item: Pick<RunItemsTable, 'passed' | 'outcome' | 'score_count' | 'updated_at'>,
): Promise<void> {
  await db
    .deleteFrom('scores')
    .where('run_id', '=', runId)
    .where('ordinal', '=', ordinal)
    .where('source', '=', 'server')
    .execute()
  if (scores.length > 0) await db.insertInto('scores').values(scores).execute()
  await db
    .updateTable('run_items')
    .set(item)
    .where('run_id', '=', runId)
    .where('ordinal', '=', ordinal)
    .execute()
}

/** Server-computed scores of a run that carry an error. */
export async function countServerScoreErrors(db: Executor, runId: string): Promise<number> {
  const row = await db
    .selectFrom('scores')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_id', '=', runId)
    .where('source', '=', 'server')
    .where('error', 'is not', null)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}
