import { type Executor, inChunks, insertRows, type SqlValue } from '../bulk.js'
import type { Store } from '../open.js'
import type { DatasetItemsTable, DatasetsTable, DatasetVersionsTable } from '../schema.js'

export async function insertDataset(db: Executor, row: DatasetsTable): Promise<void> {
  await db.insertInto('datasets').values(row).execute()
}

export async function findDataset(
  db: Executor,
  projectId: string,
  id: string,
): Promise<DatasetsTable | undefined> {
  return db
    .selectFrom('datasets')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** The most recently created dataset of that name in the project. */
export async function findDatasetByName(
  db: Executor,
  projectId: string,
  name: string,
): Promise<DatasetsTable | undefined> {
  return db
    .selectFrom('datasets')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst()
}

export async function listDatasets(db: Executor, projectId: string): Promise<DatasetsTable[]> {
  return db
    .selectFrom('datasets')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
}

/** Takes the dataset's row lock (PostgreSQL) / write lock (SQLite) for a read-modify-write. */
export async function lockDataset(db: Executor, id: string, now: string): Promise<void> {
  await db.updateTable('datasets').set({ updated_at: now }).where('id', '=', id).execute()
}

export async function updateDatasetVersion(
  db: Executor,
  id: string,
  patch: Pick<DatasetsTable, 'version' | 'content_hash' | 'item_count' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('datasets').set(patch).where('id', '=', id).execute()
}

export async function findDatasetItemIds(db: Executor, datasetId: string, ids: string[]) {
  return inChunks(ids, 5000, (chunk) =>
    db
      .selectFrom('dataset_items')
      .select(['id', 'position', 'created_at'])
      .where('dataset_id', '=', datasetId)
      .where('id', 'in', chunk)
      .execute(),
  )
}

export async function deleteDatasetItems(db: Executor, datasetId: string, ids: string[]): Promise<void> {
  await inChunks(ids, 5000, async (chunk) => {
    await db
      .deleteFrom('dataset_items')
      .where('dataset_id', '=', datasetId)
      .where('id', 'in', chunk)
      .execute()
    return []
  })
}

const ITEM_COLUMNS = [
  'dataset_id',
  'id',
  'position',
  'input',
  'expected',
  'tags',
  'metadata',
  'created_at',
] as const

export async function insertDatasetItems(
  db: Executor,
  store: Pick<Store, 'dialect' | 'maxParams' | 'sqlite'>,
  rows: DatasetItemsTable[],
): Promise<void> {
  const values: SqlValue[][] = rows.map((r) => ITEM_COLUMNS.map((c) => r[c]))
  await insertRows(db, store, 'dataset_items', ITEM_COLUMNS, values)
}

export async function maxDatasetItemPosition(db: Executor, datasetId: string): Promise<number> {
  const row = await db
    .selectFrom('dataset_items')
    .select((eb) => eb.fn.max('position').as('max'))
    .where('dataset_id', '=', datasetId)
    .executeTakeFirst()
  return row?.max == null ? -1 : Number(row.max)
}

export async function listAllDatasetItems(db: Executor, datasetId: string): Promise<DatasetItemsTable[]> {
  return db
    .selectFrom('dataset_items')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .orderBy('position')
    .execute()
}

export async function listDatasetItemsPage(
  db: Executor,
  datasetId: string,
  offset: number,
  limit: number,
): Promise<DatasetItemsTable[]> {
  return db
    .selectFrom('dataset_items')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .orderBy('position')
    .offset(offset)
    .limit(limit)
    .execute()
}

export async function insertDatasetVersion(db: Executor, row: DatasetVersionsTable): Promise<void> {
  await db.insertInto('dataset_versions').values(row).execute()
}

export async function listDatasetVersions(db: Executor, datasetId: string): Promise<DatasetVersionsTable[]> {
  return db
    .selectFrom('dataset_versions')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .orderBy('version', 'desc')
    .execute()
}

/** Whether any item of the dataset has an expected output (Gradient's `has_ground_truth`). */
export async function datasetHasExpected(db: Executor, datasetId: string): Promise<boolean> {
  const row = await db
    .selectFrom('dataset_items')
    .select('id')
    .where('dataset_id', '=', datasetId)
    .where('expected', 'is not', null)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** One item of a dataset by its id. */
export async function findDatasetItem(
  db: Executor,
  datasetId: string,
  id: string,
): Promise<DatasetItemsTable | undefined> {
  return db
    .selectFrom('dataset_items')
    .selectAll()
    .where('dataset_id', '=', datasetId)
    .where('id', '=', id)
    .executeTakeFirst()
}
