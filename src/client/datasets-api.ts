/**
 * The Netra-shaped dataset API of the programmatic client: createDataset, addDatasetItem (the server
 * assigns content ids by the one identity rule) and getDataset (usable as `runTestSuite({ data })`).
 */
import type { DatasetItem, Dataset as ServerDataset } from '../schema/api.js'
import type { JsonObject, JsonValue, TurnType } from '../schema/common.js'
import type { EvalgateApi } from './api.js'
import { EvalgateApiError } from './errors.js'
import { fetchAllDatasetItems } from './server-dataset.js'

export interface CreateDatasetOptions {
  name: string
  tags?: string[]
  turnType?: TurnType
  description?: string
}

/** An item to add to a server dataset. `expectedOutput` is accepted as Netra's name for `expected`. */
export interface DatasetItemToAdd {
  id?: string
  input: JsonValue
  expected?: JsonValue
  expectedOutput?: JsonValue
  tags?: string[]
  metadata?: JsonObject
}

/** An item as returned by `getDataset`, ready to be passed back as `runTestSuite({ data })`. */
export interface DatasetRecord {
  id: string
  datasetId: string
  input: JsonValue
  expected?: JsonValue
  /** Same as `expected` (Netra's name). */
  expectedOutput?: JsonValue
  tags: string[]
  metadata: JsonObject
}

/** `getDataset`'s result: the dataset and its items, usable as `runTestSuite({ data })`. */
export interface DatasetWithItems {
  dataset: ServerDataset
  items: DatasetRecord[]
}

export async function createDataset(api: EvalgateApi, options: CreateDatasetOptions): Promise<ServerDataset> {
  if (!options || typeof options.name !== 'string' || options.name.trim() === '') {
    throw new TypeError('createDataset(): `name` must be a non-empty string')
  }
  return api.datasets.create({
    name: options.name,
    tags: options.tags ?? [],
    turnType: options.turnType ?? 'single',
    ...(options.description === undefined ? {} : { description: options.description }),
  })
}

export async function addDatasetItem(
  api: EvalgateApi,
  datasetId: string,
  item: DatasetItemToAdd,
): Promise<DatasetItem> {
  if (!item || typeof item !== 'object' || !('input' in item) || item.input === undefined) {
    throw new TypeError('addDatasetItem(): the item needs an `input`')
  }
  if (
    item.expected !== undefined &&
    item.expectedOutput !== undefined &&
    JSON.stringify(item.expected) !== JSON.stringify(item.expectedOutput)
  ) {
    throw new TypeError('addDatasetItem(): `expected` and `expectedOutput` are both set and differ; set one')
  }
  const expected = item.expected ?? item.expectedOutput
  const { items } = await api.datasets.addItems(datasetId, [
    {
      ...(item.id === undefined ? {} : { id: item.id }),
      input: item.input,
      ...(expected === undefined ? {} : { expected }),
      tags: item.tags ?? [],
      metadata: item.metadata ?? {},
    },
  ])
  const added = items[0]
  if (!added) {
    throw new EvalgateApiError({
      message: 'the server accepted the item but returned none',
      status: 0,
      code: 'BAD_RESPONSE',
      endpoint: `POST /api/v1/datasets/${datasetId}/items`,
      url: api.url,
    })
  }
  return added
}

export async function getDataset(api: EvalgateApi, datasetId: string): Promise<DatasetWithItems> {
  const { dataset, items } = await fetchAllDatasetItems(api, datasetId)
  return {
    dataset,
    items: items.map((item) => {
      const record: DatasetRecord = {
        id: item.id,
        datasetId: item.datasetId,
        input: item.input,
        tags: item.tags,
        metadata: item.metadata,
      }
      if (item.expected !== undefined) {
        record.expected = item.expected
        record.expectedOutput = item.expected
      }
      return record
    }),
  }
}
