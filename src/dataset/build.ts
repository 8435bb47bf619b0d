import type { JsonObject, JsonValue, TurnType } from '../schema/common.js'
import { DatasetError, type DatasetProblem } from './errors.js'
import { assignItemIds, datasetVersion } from './identity.js'
import { validateItem } from './item-schema.js'
import type { Item, LoadedDataset } from './types.js'

/** One raw item and where it came from (`faq.jsonl:12`, `items[3]`), before validation. */
export interface RawRecord {
  location: string
  value: unknown
}

export interface BuildInput {
  name: string
  turnType: TurnType
  source: string
  records: RawRecord[]
  /** Problems found while parsing (malformed JSON lines, bad CSV cells); reported with the rest. */
  parseProblems?: DatasetProblem[]
}

/**
 * Validates raw records, assigns ids and computes the version. Throws one DatasetError listing
 * the first problems (parse errors, invalid fields, duplicate explicit ids) or when no item is left.
 */
export function buildLoadedDataset<I = JsonValue, E = JsonValue>(input: BuildInput): LoadedDataset<I, E> {
  const { name, turnType, source, records } = input
  const problems: DatasetProblem[] = [...(input.parseProblems ?? [])]
  const items: Item[] = []
  const locations: string[] = []
  const explicitIdAt = new Map<string, string>()

  for (const record of records) {
    const result = validateItem(record.value, turnType)
    if (!result.ok) {
      for (const problem of result.problems) problems.push({ location: record.location, ...problem })
      continue
    }
    const parsed = result.item
    if (parsed.id !== undefined) {
      const first = explicitIdAt.get(parsed.id)
      if (first !== undefined) {
        problems.push({
          location: record.location,
          field: 'id',
          message: `duplicates id ${JSON.stringify(parsed.id)} already used at ${first}`,
        })
        continue
      }
      explicitIdAt.set(parsed.id, record.location)
    }
    const item: Item = {
      id: parsed.id ?? '',
      index: items.length,
      input: parsed.input as JsonValue,
      tags: parsed.tags ?? [],
      metadata: (parsed.metadata ?? {}) as JsonObject,
    }
    if (parsed.expected !== undefined) item.expected = parsed.expected as JsonValue
    items.push(item)
    locations.push(record.location)
  }

  if (problems.length > 0) throw DatasetError.fromProblems(name, source, problems)
  if (items.length === 0) {
    throw new DatasetError(name, `dataset "${name}" (${source}) is empty: it has no items`)
  }

  assignItemIds(items)
  return {
    name,
    turnType,
    items: items as Item<I, E>[],
    version: datasetVersion(items),
    source,
  }
}
