import { makeDataset } from '../dataset/dataset.js'
import { DatasetError } from '../dataset/errors.js'
import { datasetVersion } from '../dataset/identity.js'
import type { Dataset, Item, LoadedDataset } from '../dataset/types.js'
import type { DatasetItem, Dataset as ServerDataset } from '../schema/api.js'
import type { JsonValue } from '../schema/common.js'
import type { EvalgateApi } from './api.js'

const PAGE_SIZE = 1000

/** Every item of a server dataset, in order, fetched page by page. */
export async function fetchAllDatasetItems(
  api: EvalgateApi,
  datasetId: string,
): Promise<{ dataset: ServerDataset; items: DatasetItem[] }> {
  const dataset = await api.datasets.get(datasetId)
  const items: DatasetItem[] = []
  for (let page = 1; ; page++) {
    const result = await api.datasets.listItems(datasetId, { page, perPage: PAGE_SIZE })
    items.push(...result.items)
    if (result.items.length < PAGE_SIZE || items.length >= result.total) break
  }
  return { dataset, items }
}

/** Server items as dataset items: server ids kept, index = position, version over the content. */
export function toLoadedDataset<I = JsonValue, E = JsonValue>(
  dataset: ServerDataset,
  serverItems: readonly DatasetItem[],
): LoadedDataset<I, E> {
  const items: Item[] = serverItems.map((server, index) => {
    const item: Item = {
      id: server.id,
      index,
      input: server.input,
      tags: server.tags,
      metadata: server.metadata,
    }
    if (server.expected !== undefined) item.expected = server.expected
    return item
  })
  return {
    name: dataset.name,
    turnType: dataset.turnType,
    items: items as Item<I, E>[],
    version: datasetVersion(items),
    source: `server:${dataset.id}`,
  }
}

export interface ServerDatasetOptions {
  /**
   * Name shown before the dataset is loaded (the suite name when describeEval has none).
   * Default: the dataset id. The loaded dataset carries the server's name.
   */
  name?: string
  turnType?: 'single' | 'multi'
  /** An API to load through; default: {@link connect} (EVALGATE_URL, a running `evalgate serve`, or the local database). */
  api?: EvalgateApi
  /** For the default connection: where `.evalgate/` lives. */
  root?: string
}

/**
 * A dataset whose items live on the evalgate server, usable wherever a Dataset is
 * (`describeEval(serverDataset('ds_123', { name: 'faq' }), task, evaluators)`). Items load lazily,
 * once; a missing dataset or an unreachable server fails the suite with a clear message.
 */
export function serverDataset<I = JsonValue, E = JsonValue>(
  datasetId: string,
  options: ServerDatasetOptions = {},
): Dataset<I, E> {
  if (typeof datasetId !== 'string' || datasetId === '') {
    throw new TypeError(
      `serverDataset(): the dataset id must be a non-empty string, got ${JSON.stringify(datasetId)}`,
    )
  }
  const name = options.name ?? datasetId
  return makeDataset<I, E>(name, options.turnType ?? 'single', async () => {
    // Loaded here, not at import: serverDataset is exported from the root entry that every Vitest
    // worker imports, and the connection code (client, schemas) is needed only when items load.
    const connection = options.api
      ? null
      : await (await import('./connect.js')).connect({ root: options.root })
    const api = options.api ?? connection!.api
    try {
      const { dataset, items } = await fetchAllDatasetItems(api, datasetId)
      if (items.length === 0) {
        throw new DatasetError(
          name,
          `dataset "${dataset.name}" (server:${datasetId}) is empty: it has no items`,
        )
      }
      if (options.turnType && options.turnType !== dataset.turnType) {
        throw new DatasetError(
          name,
          `dataset "${dataset.name}" (server:${datasetId}) has turn type ${dataset.turnType}, not ${options.turnType}`,
        )
      }
      return toLoadedDataset<I, E>(dataset, items)
    } catch (error) {
      if (error instanceof DatasetError) throw error
      const message = error instanceof Error ? error.message : String(error)
      throw new DatasetError(
        name,
        `dataset server:${datasetId} could not be loaded from ${api.url}: ${message}`,
        {
          cause: error,
        },
      )
    } finally {
      await connection?.close()
    }
  })
}
