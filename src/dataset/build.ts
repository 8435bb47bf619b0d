import { createHash } from 'node:crypto'
import type { JsonObject, JsonValue, TurnType } from '../schema/common.js'
import { canonicalJson } from '../util/canonical-json.js'
import { contentHash, sha256Hex } from '../util/hash.js'
import { DatasetError, type DatasetProblem } from './errors.js'
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

  const texts = items.map(itemTexts)
  assignContentIds(items, new Set(explicitIdAt.keys()), texts)
  return {
    name,
    turnType,
    items: items as Item<I, E>[],
    version: datasetVersion(items, texts),
    source,
  }
}

/**
 * Items without an explicit id get the content hash of `{ input, expected }` (16 hex chars), so ids
 * survive renaming the file and reordering rows. Identical items get `<hash>~2`, `<hash>~3`… in
 * order of appearance; a hash that collides with an explicit id is suffixed the same way.
 */
export function assignContentIds(items: Item[], explicitIds: Set<string>, texts?: ItemTexts[]): void {
  const taken = new Set(explicitIds)
  items.forEach((item, index) => {
    if (item.id !== '') return
    const text = texts?.[index]
    const base = text ? contentIdOf(text) : itemContentId(item.input, item.expected)
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}~${n}`
    taken.add(id)
    item.id = id
  })
}

/** The content id of an item without an explicit id: contentHash of `{ input, expected }`. */
export function itemContentId(input: unknown, expected: unknown): string {
  return contentHash(expected === undefined ? { input } : { input, expected })
}

/**
 * Version of a list of items: sha256 (16 hex chars) over the canonical JSON of the array of
 * `{ id, input, expected, tags, metadata }`, in order — i.e. `contentHash(items.map(...))`,
 * computed by streaming each item's canonical text into the hash.
 */
export function datasetVersion(items: readonly Item[], texts?: readonly ItemTexts[]): string {
  const hash = createHash('sha256')
  hash.update('[')
  items.forEach((item, index) => {
    const text = texts?.[index] ?? itemTexts(item)
    if (index > 0) hash.update(',')
    // Keys in sorted order: expected, id, input, metadata, tags (expected omitted when absent).
    const expected = text.expected === undefined ? '' : `"expected":${text.expected},`
    hash.update(
      `{${expected}"id":${JSON.stringify(item.id)},"input":${text.input},"metadata":${text.metadata},"tags":${text.tags}}`,
    )
  })
  hash.update(']')
  return hash.digest('hex').slice(0, 16)
}

/** Canonical JSON of an item's fields, computed once and shared by its id and the version. */
export interface ItemTexts {
  input: string
  expected: string | undefined
  tags: string
  metadata: string
}

export function itemTexts(item: Item): ItemTexts {
  return {
    input: canonicalJson(item.input),
    expected: item.expected === undefined ? undefined : canonicalJson(item.expected),
    tags: canonicalJson(item.tags),
    metadata: canonicalJson(item.metadata),
  }
}

function contentIdOf(text: ItemTexts): string {
  const json =
    text.expected === undefined
      ? `{"input":${text.input}}`
      : `{"expected":${text.expected},"input":${text.input}}`
  return sha256Hex(json).slice(0, 16)
}
