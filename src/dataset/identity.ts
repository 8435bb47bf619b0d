/**
 * Item and dataset identity: the one place where item ids and dataset versions are computed, by
 * the client (JSONL, JSON, CSV, inline and loader datasets, `serverDataset()`) and the server
 * (`addDatasetItem`, dataset uploads, Gradient datasets) alike, over RFC 8785 canonical JSON.
 *
 * - Item id (when the item has no explicit one): the first 16 hex chars of sha256 over the
 *   canonical JSON of `{ input, expected }` (`expected` left out when absent). Tags and metadata
 *   are annotations, not identity: retagging an item keeps its history.
 * - Items of one list with the same content get `<id>~2`, `<id>~3`… in order of appearance; an id
 *   that collides with an explicit id is suffixed the same way.
 * - Dataset version: the first 16 hex chars of sha256 over the canonical JSON of the array of
 *   `{ id, input, expected, tags, metadata }`, in order.
 */
import type { JsonObject, JsonValue } from '../schema/common.js'
import { nodeCrypto } from '../util/builtins.js'
import { canonicalJson } from '../util/canonical-json.js'
import { contentHash, sha256Hex } from '../util/hash.js'

const { createHash } = nodeCrypto

/** What identity is computed from: an item's content. */
export interface ItemContent {
  input: unknown
  expected?: unknown
}

/** What a dataset version is computed from: each item with its id and annotations. */
export interface VersionedItem extends ItemContent {
  id: string
  tags: readonly string[]
  metadata: JsonObject | Readonly<Record<string, JsonValue>>
}

const ID_HEX = 16

/** The content id of an item without an explicit one. */
export function itemId(item: ItemContent): string {
  // keys in canonical order: canonicalJson then takes JSON.stringify's shortcut
  const content =
    item.expected === undefined ? { input: item.input } : { expected: item.expected, input: item.input }
  return contentHash(content, ID_HEX)
}

/**
 * Assigns `id` to every item whose id is missing or empty: its content id, suffixed `~2`, `~3`… when
 * an earlier item of the list (or an explicit id) already took it. Explicit ids are kept as they are.
 */
export function assignItemIds<T extends ItemContent & { id?: string | undefined }>(
  items: T[],
): Array<T & { id: string }> {
  const taken = new Set<string>()
  for (const item of items) if (item.id) taken.add(item.id)
  for (const item of items) {
    if (item.id) continue
    const base = itemId(item)
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}~${n}`
    taken.add(id)
    item.id = id
  }
  return items as Array<T & { id: string }>
}

/** The version of a list of items (ordered): computed by streaming each item's canonical text. */
export function datasetVersion(items: Iterable<VersionedItem>): string {
  const hash = createHash('sha256')
  // Items' texts are joined into ~64 KB pieces: one native update per item cost ~2 µs.
  let pending = '['
  let first = true
  for (const item of items) {
    if (!first) pending += ','
    first = false
    // keys in canonical order: canonicalJson then takes JSON.stringify's shortcut
    const { id, input, metadata, tags } = item
    const record =
      item.expected === undefined
        ? { id, input, metadata, tags }
        : { expected: item.expected, id, input, metadata, tags }
    pending += canonicalJson(record)
    if (pending.length >= HASH_PIECE) {
      hash.update(pending, 'utf8')
      pending = ''
    }
  }
  hash.update(`${pending}]`, 'utf8')
  return hash.digest('hex').slice(0, ID_HEX)
}

const HASH_PIECE = 65_536

/** What makes a suite version: everything but the suite's name and description. */
export interface SuiteVersionContent {
  dataset: { name: string; version: string; size: number }
  turnType: string
  metrics: ReadonlyArray<{ name: string }>
  star: unknown
  gate: unknown
}

/**
 * The content address of a suite definition: sha256 over the canonical JSON of its dataset
 * reference, turn type, metrics (in name order: their order is not part of it), star metric and
 * gate. The same definition always gets the same key, hence the same suite version.
 */
export function suiteVersionKey(def: SuiteVersionContent): string {
  const metrics = [...def.metrics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return sha256Hex(
    canonicalJson({
      dataset: { name: def.dataset.name, version: def.dataset.version, size: def.dataset.size },
      turnType: def.turnType,
      metrics,
      star: def.star ?? null,
      gate: def.gate ?? null,
    }),
  )
}
