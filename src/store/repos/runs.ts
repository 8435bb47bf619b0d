import { sql } from 'kysely'
import type { Executor } from '../bulk.js'
import type { RunsTable } from '../schema.js'

export type RunRow = RunsTable & { suite_name: string }

function selectRuns(db: Executor) {
  return db
    .selectFrom('runs as r')
    .innerJoin('suites as s', 's.id', 'r.suite_id')
    .selectAll('r')
    .select('s.name as suite_name')
}

/** Inserts the run unless (project, run group, suite, suite version) exists; returns the stored row. */
export async function insertRunIfAbsent(db: Executor, row: RunsTable): Promise<RunRow> {
  await db
    .insertInto('runs')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'run_group', 'suite_id', 'suite_version']).doNothing())
    .execute()
  return selectRuns(db)
    .where('r.project_id', '=', row.project_id)
    .where('r.run_group', '=', row.run_group)
    .where('r.suite_id', '=', row.suite_id)
    .where('r.suite_version', '=', row.suite_version)
    .executeTakeFirstOrThrow()
}

export async function findRun(db: Executor, projectId: string, id: string): Promise<RunRow | undefined> {
  return selectRuns(db).where('r.project_id', '=', projectId).where('r.id', '=', id).executeTakeFirst()
}

export interface RunFilter {
  suiteId?: string
  suiteName?: string
  suiteVersion?: number
  runGroup?: string
  limit: number
  offset?: number
}

/** Newest first. */
export async function listRuns(db: Executor, projectId: string, f: RunFilter): Promise<RunRow[]> {
  let q = selectRuns(db).where('r.project_id', '=', projectId)
  if (f.suiteId !== undefined) q = q.where('r.suite_id', '=', f.suiteId)
  if (f.suiteName !== undefined) q = q.where('s.name', '=', f.suiteName)
  if (f.suiteVersion !== undefined) q = q.where('r.suite_version', '=', f.suiteVersion)
  if (f.runGroup !== undefined) q = q.where('r.run_group', '=', f.runGroup)
  return q
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .offset(f.offset ?? 0)
    .limit(f.limit)
    .execute()
}

export async function countRuns(
  db: Executor,
  projectId: string,
  f: Omit<RunFilter, 'limit'>,
): Promise<number> {
  let q = db
    .selectFrom('runs as r')
    .innerJoin('suites as s', 's.id', 'r.suite_id')
    .select(sql<number>`count(*)`.as('n'))
    .where('r.project_id', '=', projectId)
  if (f.suiteId !== undefined) q = q.where('r.suite_id', '=', f.suiteId)
  if (f.suiteName !== undefined) q = q.where('s.name', '=', f.suiteName)
  if (f.suiteVersion !== undefined) q = q.where('r.suite_version', '=', f.suiteVersion)
  if (f.runGroup !== undefined) q = q.where('r.run_group', '=', f.runGroup)
  const row = await q.executeTakeFirst()
  return Number(row?.n ?? 0)
}

/**
 * First statement of every write transaction on a run: takes the run's row lock (PostgreSQL) or
 * the database write lock (SQLite) so concurrent batches and summary refreshes serialize per run.
 */
export async function lockRun(db: Executor, id: string, projectId?: string): Promise<RunsTable | undefined> {
  let q = db
    .updateTable('runs')
    .set((eb) => ({ item_seq: eb.ref('item_seq') }))
    .where('id', '=', id)
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  return q.returningAll().executeTakeFirst()
}

export async function updateRun(db: Executor, id: string, patch: Partial<RunsTable>): Promise<void> {
  await db.updateTable('runs').set(patch).where('id', '=', id).execute()
}
