import { sql } from 'kysely'
import type { Executor } from '../bulk.js'
import type { SuitesTable, SuiteVersionsTable } from '../schema.js'

export type SuiteWithVersion = SuitesTable &
  Omit<SuiteVersionsTable, 'suite_id' | 'created_at' | 'name' | 'description'> & {
    total_runs: number
  }

function selectSuites(db: Executor) {
  return db
    .selectFrom('suites as s')
    .innerJoin('suite_versions as v', (j) =>
      j.onRef('v.suite_id', '=', 's.id').onRef('v.version', '=', 's.current_version'),
    )
    .selectAll('s')
    .select([
      'v.version',
      'v.def_key',
      'v.dataset_id',
      'v.dataset_name',
      'v.dataset_version',
      'v.dataset_size',
      'v.turn_type',
      'v.metrics',
      'v.star',
      'v.gate',
      (eb) =>
        eb
          .selectFrom('runs')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('runs.suite_id', '=', 's.id')
          .as('total_runs'),
    ])
}

function normalise(row: SuiteWithVersion): SuiteWithVersion {
  return { ...row, total_runs: Number(row.total_runs ?? 0) }
}

export async function findSuite(db: Executor, projectId: string, id: string) {
  const row = await selectSuites(db)
    .where('s.project_id', '=', projectId)
    .where('s.id', '=', id)
    .executeTakeFirst()
  return row ? normalise(row as SuiteWithVersion) : undefined
}

export async function findSuiteByName(db: Executor, projectId: string, name: string) {
  const row = await selectSuites(db)
    .where('s.project_id', '=', projectId)
    .where('s.name', '=', name)
    .executeTakeFirst()
  return row ? normalise(row as SuiteWithVersion) : undefined
}

export async function listSuites(db: Executor, projectId: string) {
  const rows = await selectSuites(db)
    .where('s.project_id', '=', projectId)
    .orderBy('s.updated_at', 'desc')
    .orderBy('s.id')
    .execute()
  return rows.map((r) => normalise(r as SuiteWithVersion))
}

export async function findSuiteVersion(
  db: Executor,
  suiteId: string,
  version: number,
): Promise<SuiteVersionsTable | undefined> {
  return db
    .selectFrom('suite_versions')
    .selectAll()
    .where('suite_id', '=', suiteId)
    .where('version', '=', version)
    .executeTakeFirst()
}

/** The version of a suite with this content address, if it was seen before. */
export async function findSuiteVersionByKey(
  db: Executor,
  suiteId: string,
  defKey: string,
): Promise<SuiteVersionsTable | undefined> {
  return db
    .selectFrom('suite_versions')
    .selectAll()
    .where('suite_id', '=', suiteId)
    .where('def_key', '=', defKey)
    .orderBy('version')
    .executeTakeFirst()
}

/** The highest version number of a suite (0 when it has none). */
export async function maxSuiteVersion(db: Executor, suiteId: string): Promise<number> {
  const row = await db
    .selectFrom('suite_versions')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('suite_id', '=', suiteId)
    .executeTakeFirst()
  return Number(row?.v ?? 0)
}

export async function listSuiteVersions(db: Executor, suiteId: string): Promise<SuiteVersionsTable[]> {
  return db
    .selectFrom('suite_versions')
    .selectAll()
    .where('suite_id', '=', suiteId)
    .orderBy('version', 'desc')
    .execute()
}

/** Inserts the suite unless (project, name) exists; returns the row either way. */
export async function insertSuiteIfAbsent(db: Executor, row: SuitesTable): Promise<SuitesTable> {
  await db
    .insertInto('suites')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing())
    .execute()
  return db
    .selectFrom('suites')
    .selectAll()
    .where('project_id', '=', row.project_id)
    .where('name', '=', row.name)
    .executeTakeFirstOrThrow()
}

/** Row-locks the suite for the rest of the transaction and returns it. */
export async function lockSuite(db: Executor, id: string): Promise<SuitesTable | undefined> {
  return db
    .updateTable('suites')
    .set((eb) => ({ current_version: eb.ref('current_version') }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function insertSuiteVersion(db: Executor, row: SuiteVersionsTable): Promise<void> {
  await db.insertInto('suite_versions').values(row).execute()
}

export async function updateSuiteVersionSnapshot(
  db: Executor,
  suiteId: string,
  version: number,
  snapshot: Pick<SuiteVersionsTable, 'name' | 'description'>,
): Promise<void> {
  await db
    .updateTable('suite_versions')
    .set(snapshot)
    .where('suite_id', '=', suiteId)
    .where('version', '=', version)
    .execute()
}

export async function updateSuite(
  db: Executor,
  id: string,
  patch: Partial<Pick<SuitesTable, 'name' | 'description' | 'current_version' | 'updated_at'>>,
): Promise<void> {
  await db.updateTable('suites').set(patch).where('id', '=', id).execute()
}
