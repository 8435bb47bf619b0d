import type { Executor } from '../bulk.js'
import type { MetricsTable } from '../schema.js'

/** Insert or update by (project, name); the id of an existing metric is kept. */
export async function upsertMetric(db: Executor, row: MetricsTable): Promise<void> {
  const { id: _id, project_id: _p, name: _n, created_at: _c, ...patch } = row
  await db
    .insertInto('metrics')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'name']).doUpdateSet(patch))
    .execute()
}

export async function listMetrics(db: Executor, projectId: string): Promise<MetricsTable[]> {
  return db.selectFrom('metrics').selectAll().where('project_id', '=', projectId).orderBy('name').execute()
}

export async function findMetricsByIds(
  db: Executor,
  projectId: string,
  ids: string[],
): Promise<MetricsTable[]> {
  if (ids.length === 0) return []
  return db
    .selectFrom('metrics')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', 'in', ids)
    .execute()
}

export async function findMetricsByNames(
  db: Executor,
  projectId: string,
  names: string[],
): Promise<MetricsTable[]> {
  if (names.length === 0) return []
  return db
    .selectFrom('metrics')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('name', 'in', names)
    .execute()
}
