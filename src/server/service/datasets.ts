import type * as z from 'zod'
import { assignItemIds, datasetVersion, type VersionedItem } from '../../dataset/identity.js'
import type { Dataset, DatasetItem, DatasetItemInputSchema, DatasetVersion } from '../../schema/api.js'
import type { TurnType } from '../../schema/common.js'
import type { Store } from '../../store/open.js'
import * as repo from '../../store/repos/datasets.js'
import type { DatasetItemsTable } from '../../store/schema.js'
import { toDataset, toDatasetItem, toDatasetVersion } from '../mappers.js'
import { NotFoundError } from './errors.js'
import { jsonOrNull, newId, nowIso } from './util.js'

export interface NewDataset {
  name: string
  tags?: string[]
  turnType?: TurnType
  description?: string
}

/** A validated item to add: DatasetItemInputSchema's output. */
export type NewDatasetItem = z.output<typeof DatasetItemInputSchema>

/** A stored item row as the input of `datasetVersion` (src/dataset/identity.ts). */
function* versionedRows(rows: readonly DatasetItemsTable[]): Generator<VersionedItem> {
  for (const r of rows) {
    const item: VersionedItem = {
      id: r.id,
      input: JSON.parse(r.input),
      tags: JSON.parse(r.tags),
      metadata: JSON.parse(r.metadata),
    }
    if (r.expected !== null) item.expected = JSON.parse(r.expected)
    yield item
  }
}

export class DatasetService {
  constructor(private readonly store: Store) {}

  async create(projectId: string, body: NewDataset): Promise<Dataset> {
    const now = nowIso()
    const row = {
      id: newId(),
      project_id: projectId,
      name: body.name,
      description: body.description ?? null,
      tags: JSON.stringify(body.tags ?? []),
      turn_type: body.turnType ?? 'single',
      version: 0,
      content_hash: null,
      item_count: 0,
      created_at: now,
      updated_at: now,
    }
    await repo.insertDataset(this.store.db, row)
    return toDataset(row)
  }

  async list(projectId: string): Promise<Dataset[]> {
    return (await repo.listDatasets(this.store.db, projectId)).map(toDataset)
  }

  async get(projectId: string, id: string): Promise<Dataset> {
    const row = await repo.findDataset(this.store.db, projectId, id)
    if (!row) throw new NotFoundError('dataset', id)
    return toDataset(row)
  }

  async findByName(projectId: string, name: string): Promise<Dataset | undefined> {
    const row = await repo.findDatasetByName(this.store.db, projectId, name)
    return row ? toDataset(row) : undefined
  }

  /**
   * Adds items (an item whose id exists replaces it in place). Every content change makes a new
   * version; re-adding identical content does not.
   */
  async addItems(
    projectId: string,
    datasetId: string,
    items: readonly NewDatasetItem[],
  ): Promise<{ dataset: Dataset; items: DatasetItem[] }> {
    const { db } = this.store
    return db.transaction().execute(async (trx) => {
      const now = nowIso()
      const ds = await repo.findDataset(trx, projectId, datasetId)
      if (!ds) throw new NotFoundError('dataset', datasetId)
      await repo.lockDataset(trx, ds.id, now)
      const byId = new Map<string, DatasetItemsTable>()
      for (const it of assignItemIds(items.map((item) => ({ ...item })))) {
        const id = it.id
        byId.set(id, {
          dataset_id: ds.id,
          id,
          position: -1,
          input: JSON.stringify(it.input),
          expected: jsonOrNull(it.expected),
          tags: JSON.stringify(it.tags),
          metadata: JSON.stringify(it.metadata),
          created_at: now,
        })
      }
      const ids = [...byId.keys()]
      const existing = await repo.findDatasetItemIds(trx, ds.id, ids)
      const existingById = new Map(existing.map((e) => [e.id, e]))
      let next = (await repo.maxDatasetItemPosition(trx, ds.id)) + 1
      for (const row of byId.values()) {
        const old = existingById.get(row.id)
        if (old) {
          row.position = old.position
          row.created_at = old.created_at
        } else {
          row.position = next++
        }
      }
      await repo.deleteDatasetItems(trx, ds.id, [...existingById.keys()])
      const rows = [...byId.values()]
      await repo.insertDatasetItems(trx, this.store, rows)

      const all = await repo.listAllDatasetItems(trx, ds.id)
      const hash = datasetVersion(versionedRows(all))
      let version = ds.version
      if (hash !== ds.content_hash) {
        version++
        await repo.insertDatasetVersion(trx, {
          dataset_id: ds.id,
          version,
          content_hash: hash,
          item_count: all.length,
          created_at: now,
        })
      }
      const patch = { version, content_hash: hash, item_count: all.length, updated_at: now }
      await repo.updateDatasetVersion(trx, ds.id, patch)
      return { dataset: toDataset({ ...ds, ...patch }), items: rows.map(toDatasetItem) }
    })
  }

  async listItems(
    projectId: string,
    datasetId: string,
    page: number,
    perPage: number,
  ): Promise<{ items: DatasetItem[]; total: number; page: number; perPage: number }> {
    const ds = await repo.findDataset(this.store.db, projectId, datasetId)
    if (!ds) throw new NotFoundError('dataset', datasetId)
    const rows = await repo.listDatasetItemsPage(this.store.db, ds.id, (page - 1) * perPage, perPage)
    return { items: rows.map(toDatasetItem), total: ds.item_count, page, perPage }
  }

  /** Whether any item has an expected output; 404 for an unknown (or another project's) dataset. */
  async hasExpected(projectId: string, datasetId: string): Promise<boolean> {
    const ds = await repo.findDataset(this.store.db, projectId, datasetId)
    if (!ds) throw new NotFoundError('dataset', datasetId)
    return repo.datasetHasExpected(this.store.db, ds.id)
  }

  async listVersions(projectId: string, datasetId: string): Promise<DatasetVersion[]> {
    const ds = await repo.findDataset(this.store.db, projectId, datasetId)
    if (!ds) throw new NotFoundError('dataset', datasetId)
    return (await repo.listDatasetVersions(this.store.db, ds.id)).map(toDatasetVersion)
  }
}
