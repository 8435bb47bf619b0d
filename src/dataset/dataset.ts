import type { JsonValue, TurnType } from '../schema/common.js'
import { describeValue } from '../util/describe-value.js'
import { buildLoadedDataset, type RawRecord } from './build.js'
import { DatasetError, type DatasetProblem } from './errors.js'
import { datasetVersion } from './identity.js'
import type { Dataset, LoadedDataset } from './types.js'

/**
 * A lazily loaded dataset. `load()` runs the source once and caches the result (a failed load is
 * retried on the next call), so describing several suites over one dataset reads it once.
 */
export function makeDataset<I = JsonValue, E = JsonValue>(
  name: string,
  turnType: TurnType,
  loadOnce: () => Promise<LoadedDataset<I, E>>,
): Dataset<I, E> {
  let pending: Promise<LoadedDataset<I, E>> | undefined
  const self: Dataset<I, E> = {
    name,
    turnType,
    load() {
      if (!pending) {
        pending = loadOnce()
        pending.catch(() => {
          pending = undefined
        })
      }
      return pending
    },
    withTags(...tags: string[]) {
      return selectByTags(self, tags)
    },
  }
  return self
}

/** A dataset whose items come from raw records produced by `read` (file parsers, inline, loaders). */
export function recordDataset<I = JsonValue, E = JsonValue>(
  name: string,
  turnType: TurnType,
  source: string,
  read: () => Promise<{ records: RawRecord[]; problems?: DatasetProblem[] }>,
): Dataset<I, E> {
  return makeDataset<I, E>(name, turnType, async () => {
    const { records, problems } = await read()
    return buildLoadedDataset<I, E>({ name, turnType, source, records, parseProblems: problems ?? [] })
  })
}

/**
 * Items carrying any of `tags`, with their original index and id; the version is recomputed over
 * the selected items. Selecting nothing is an error naming the tags that do exist.
 */
function selectByTags<I, E>(parent: Dataset<I, E>, tags: string[]): Dataset<I, E> {
  if (tags.length === 0) {
    throw new DatasetError(parent.name, `dataset "${parent.name}": withTags() needs at least one tag`)
  }
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag === '') {
      throw new DatasetError(
        parent.name,
        `dataset "${parent.name}": withTags() takes non-empty strings, got ${describeValue(tag)}`,
      )
    }
  }
  const wanted = new Set(tags)
  return makeDataset<I, E>(parent.name, parent.turnType, async () => {
    const loaded = await parent.load()
    const items = loaded.items.filter((item) => item.tags.some((tag) => wanted.has(tag)))
    if (items.length === 0) {
      const present = [...new Set(loaded.items.flatMap((item) => item.tags))].sort()
      throw new DatasetError(
        parent.name,
        `dataset "${parent.name}" (${loaded.source}): no item has any of the tags ${quoteList(tags)} ` +
          `(tags present: ${present.length ? quoteList(present) : 'none'})`,
      )
    }
    return { ...loaded, items, version: datasetVersion(items) }
  })
}

function quoteList(values: string[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ')
}
