import type { JsonValue } from '../schema/common.js'
import { describeValue } from '../util/describe-value.js'
import { recordDataset } from './dataset.js'
import { DatasetError } from './errors.js'
import { readDatasetFile, resolveDatasetFile } from './file-source.js'
import { CsvDatasetOptionsSchema, checkDefinition, DatasetOptionsSchema } from './options.js'
import type { CsvOptions } from './parse-csv.js'
import { itemsOf, parseJsonFile } from './parse-json.js'
import { parseJsonl } from './parse-jsonl.js'
import type { Dataset } from './types.js'

export { DatasetError, type DatasetProblem } from './errors.js'
export { assignItemIds, datasetVersion, itemId } from './identity.js'
export type { CsvField, CsvJsonField, CsvOptions } from './parse-csv.js'
export type { Dataset, Item, LoadedDataset } from './types.js'

/** Options of every dataset source. */
export interface DatasetOptions {
  /** `single` (default): any JSON input. `multi`: input is a non-empty list of chat messages `{ role, content }`. */
  turnType?: 'single' | 'multi'
}
export type CsvDatasetOptions = DatasetOptions & CsvOptions

/** An item as written in a dataset source. Without `id`, the id is a hash of `{ input, expected }`. */
export interface ItemInput<I = JsonValue, E = JsonValue> {
  id?: string
  input: I
  expected?: E
  tags?: string[]
  metadata?: Record<string, JsonValue>
}

type PathLike = string | URL

/** Items given in code. Problems are located `items[i]`. */
function inlineDataset<I = JsonValue, E = JsonValue>(
  name: string,
  items: readonly ItemInput<I, E>[],
  options?: DatasetOptions,
): Dataset<I, E>
/** Items given in code, with input/expected types inferred from a mixed array. */
function inlineDataset<T extends ItemInput<unknown, unknown>>(
  name: string,
  items: readonly T[],
  options?: DatasetOptions,
): Dataset<T['input'], Exclude<T['expected'], undefined>>
function inlineDataset(
  name: string,
  items: readonly ItemInput<unknown, unknown>[],
  options?: DatasetOptions,
): Dataset<unknown, unknown> {
  const { turnType = 'single' } = checkDefinition('inline', name, options, DatasetOptionsSchema)
  if (!Array.isArray(items)) {
    throw new DatasetError(name, `dataset "${name}": items must be an array, got ${describeValue(items)}`)
  }
  const snapshot = [...items]
  return recordDataset<unknown, unknown>(name, turnType, 'inline', async () => ({
    records: snapshot.map((value, index) => ({ location: `items[${index}]`, value })),
  }))
}

/**
 * Dataset sources. Each returns a lazy Dataset: nothing is read until `load()` (called by
 * describeEval during collection), and every problem surfaces as a DatasetError naming the file,
 * line (JSONL/CSV) or index (JSON/inline/loader) and field.
 */
export const dataset = {
  /** Items given in code. Problems are located `items[i]`. */
  inline: inlineDataset,

  /** One JSON item per line; blank lines are skipped; problems are located `<file>:<line>`. */
  jsonl<I = JsonValue, E = JsonValue>(
    name: string,
    pathOrFileUrl: PathLike,
    options?: DatasetOptions,
  ): Dataset<I, E> {
    const { turnType = 'single' } = checkDefinition('jsonl', name, options, DatasetOptionsSchema)
    const file = resolveDatasetFile(name, pathOrFileUrl)
    return recordDataset<I, E>(name, turnType, file.display, async () =>
      parseJsonl(await readDatasetFile(name, file), file.display),
    )
  },

  /** A JSON array of items, or `{ "items": [...] }`; problems are located `<file>: items[i]`. */
  json<I = JsonValue, E = JsonValue>(
    name: string,
    pathOrFileUrl: PathLike,
    options?: DatasetOptions,
  ): Dataset<I, E> {
    const { turnType = 'single' } = checkDefinition('json', name, options, DatasetOptionsSchema)
    const file = resolveDatasetFile(name, pathOrFileUrl)
    return recordDataset<I, E>(name, turnType, file.display, async () => ({
      records: parseJsonFile(name, await readDatasetFile(name, file), file.display),
    }))
  },

  /**
   * CSV with a header row. Columns: `input` (required), `expected`, `id`, `tags` (separated by `|`,
   * see `tagSeparator`), `metadata` (a JSON object) and `metadata.<key>` (one metadata value each).
   * Cells are strings; empty cells mean "absent". JSON cells are read only with `parseJson`.
   * Problems are located `<file>:<line>` (the line where the record starts).
   */
  csv<I = JsonValue, E = JsonValue>(
    name: string,
    pathOrFileUrl: PathLike,
    options?: CsvDatasetOptions,
  ): Dataset<I, E> {
    const checked = checkDefinition('csv', name, options, CsvDatasetOptionsSchema)
    const file = resolveDatasetFile(name, pathOrFileUrl)
    return recordDataset<I, E>(name, checked.turnType ?? 'single', file.display, async () => {
      // Loaded on first use: most suites never read a CSV, and every Vitest worker imports evalgate.
      const { parseCsv } = await import('./parse-csv.js')
      return parseCsv(name, await readDatasetFile(name, file), file.display, checked as CsvOptions)
    })
  },

  /**
   * Items from an async function (an API, a database, a generator script), called once on first
   * load. It returns an array of items or `{ items }`; problems are located `items[i]`.
   */
  loader<I = JsonValue, E = JsonValue>(
    name: string,
    load: () =>
      | Promise<readonly ItemInput<I, E>[] | { items: readonly ItemInput<I, E>[] }>
      | readonly ItemInput<I, E>[],
    options?: DatasetOptions,
  ): Dataset<I, E> {
    const { turnType = 'single' } = checkDefinition('loader', name, options, DatasetOptionsSchema)
    if (typeof load !== 'function') {
      throw new DatasetError(
        name,
        `dataset "${name}": the loader must be a function, got ${describeValue(load)}`,
      )
    }
    return recordDataset<I, E>(name, turnType, 'loader', async () => {
      let value: unknown
      try {
        value = await load()
      } catch (error) {
        throw new DatasetError(
          name,
          `dataset "${name}": the loader failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
      }
      return { records: itemsOf(name, value, 'the loader result', '') }
    })
  },
}
