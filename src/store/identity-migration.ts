/**
 * Migration 0003: one item identity. Before it, the client named an item without an explicit id by
 * a 16-hex hash of `{ input, expected }` and the server by a 24-hex hash of
 * `{ input, expected, tags, metadata }`, each over its own canonical JSON; dataset versions were
 * hashed two ways too. This recomputes every persisted id that one of those two rules produced
 * (explicit ids are left alone) with src/dataset/identity.ts, and the content hash of every
 * dataset's latest version (with the suite versions and runs that pinned it).
 */

import { type Kysely, sql } from 'kysely'
import { datasetVersion, itemId, suiteVersionKey, type VersionedItem } from '../dataset/identity.js'
import { sha256Hex } from '../util/hash.js'

// ---- the two legacy rules, frozen: they only serve to recognise ids they produced ----

function legacyCanonical(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys)
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k]
        if (x !== undefined) out[k] = sortKeys(x)
      }
      return out
    }
    return v
  }
  return JSON.stringify(sortKeys(value))
}

const sha = sha256Hex

interface Content {
  input: unknown
  expected: unknown
  tags: unknown
  metadata: unknown
}

function legacyServerId(c: Content): string {
  return sha(
    legacyCanonical({ input: c.input, expected: c.expected, tags: c.tags, metadata: c.metadata }),
  ).slice(0, 24)
}

function legacyClientId(c: Content): string {
  return sha(
    legacyCanonical(c.expected === undefined ? { input: c.input } : { input: c.input, expected: c.expected }),
  ).slice(0, 16)
}

/** Whether `id` was derived from the content by either legacy rule (client ids may carry `~n`). */
function isLegacyContentId(id: string, c: Content): boolean {
  if (id === legacyServerId(c)) return true
  const client = legacyClientId(c)
  return id === client || (id.startsWith(`${client}~`) && /^\d+$/.test(id.slice(client.length + 1)))
}

interface Row extends Content {
  key: number
  id: string
}

/**
 * New ids for one list of items in order (a dataset, or one trial of a run): explicit ids are
 * kept and reserved; content ids are recomputed, suffixed `~2`, `~3`… in order on collision, as
 * `assignItemIds` does.
 */
function reassign(rows: readonly Row[]): Map<number, string> {
  const derived = new Set<number>()
  const taken = new Set<string>()
  for (const r of rows) {
    if (isLegacyContentId(r.id, r)) derived.add(r.key)
    else taken.add(r.id)
  }
  const changes = new Map<number, string>()
  for (const r of rows) {
    if (!derived.has(r.key)) continue
    const base = itemId({ input: r.input, expected: r.expected })
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}~${n}`
    taken.add(id)
    if (id !== r.id) changes.set(r.key, id)
  }
  return changes
}

const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text))

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database as it was, untyped
export async function migrateItemIdentity(db: Kysely<any>): Promise<void> {
  await migrateDatasets(db)
  await migrateRunItems(db)
}

// biome-ignore lint/suspicious/noExplicitAny: see above
async function migrateDatasets(db: Kysely<any>): Promise<void> {
  const datasets: Array<{ id: string; version: number; content_hash: string | null }> = await db
    .selectFrom('datasets')
    .select(['id', 'version', 'content_hash'])
    .execute()
  for (const ds of datasets) {
    const stored: Array<{
      id: string
      position: number
      input: string
      expected: string | null
      tags: string
      metadata: string
    }> = await db
      .selectFrom('dataset_items')
      .select(['id', 'position', 'input', 'expected', 'tags', 'metadata'])
      .where('dataset_id', '=', ds.id)
      .orderBy('position')
      .execute()
    const rows: Row[] = stored.map((r) => ({
      key: r.position,
      id: r.id,
      input: JSON.parse(r.input),
      expected: parse(r.expected),
      tags: JSON.parse(r.tags),
      metadata: JSON.parse(r.metadata),
    }))
    const changes = reassign(rows)
    // Two steps, so that no new id meets an old one on the (dataset, id) key midway.
    for (const [position, _id] of changes)
      await sql`update dataset_items set id = ${`~migrating~${position}`} where dataset_id = ${ds.id} and position = ${position}`.execute(
        db,
      )
    for (const [position, id] of changes)
      await sql`update dataset_items set id = ${id} where dataset_id = ${ds.id} and position = ${position}`.execute(
        db,
      )
    if (rows.length === 0 || ds.content_hash === null) continue
    const versioned: VersionedItem[] = rows.map((r) => ({
      id: changes.get(r.key) ?? r.id,
      input: r.input,
      ...(r.expected !== undefined ? { expected: r.expected } : {}),
      tags: r.tags as string[],
      metadata: r.metadata as Record<string, never>,
    }))
    const hash = datasetVersion(versioned)
    if (hash === ds.content_hash) continue
    await sql`update datasets set content_hash = ${hash} where id = ${ds.id}`.execute(db)
    await sql`update dataset_versions set content_hash = ${hash} where dataset_id = ${ds.id} and version = ${ds.version}`.execute(
      db,
    )
    await sql`update suite_versions set dataset_version = ${hash} where dataset_id = ${ds.id} and dataset_version = ${ds.content_hash}`.execute(
      db,
    )
    await sql`update runs set dataset_version = ${hash} where dataset_version = ${ds.content_hash} and suite_id in (select suite_id from suite_versions where dataset_id = ${ds.id})`.execute(
      db,
    )
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see above
async function migrateRunItems(db: Kysely<any>): Promise<void> {
  const runs: Array<{ id: string }> = await db.selectFrom('runs').select('id').execute()
  for (const run of runs) {
    const stored: Array<{
      ordinal: number
      item_id: string
      trial: number
      input: string
      expected: string | null
      tags: string
      metadata: string
    }> = await db
      .selectFrom('run_items')
      .select(['ordinal', 'item_id', 'trial', 'input', 'expected', 'tags', 'metadata'])
      .where('run_id', '=', run.id)
      .orderBy('trial')
      .orderBy('idx')
      .orderBy('ordinal')
      .execute()
    const byTrial = new Map<number, Row[]>()
    for (const r of stored) {
      const list = byTrial.get(r.trial) ?? []
      list.push({
        key: r.ordinal,
        id: r.item_id,
        input: JSON.parse(r.input),
        expected: parse(r.expected),
        tags: JSON.parse(r.tags),
        metadata: JSON.parse(r.metadata),
      })
      byTrial.set(r.trial, list)
    }
    const changes = new Map<number, string>()
    for (const rows of byTrial.values()) for (const [k, v] of reassign(rows)) changes.set(k, v)
    for (const [ordinal] of changes)
      await sql`update run_items set item_id = ${`~migrating~${ordinal}`} where run_id = ${run.id} and ordinal = ${ordinal}`.execute(
        db,
      )
    for (const [ordinal, id] of changes)
      await sql`update run_items set item_id = ${id} where run_id = ${run.id} and ordinal = ${ordinal}`.execute(
        db,
      )
  }
}

/** Migration 0004: every suite version's def_key becomes its content address. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function rekeySuiteVersions(db: Kysely<any>): Promise<void> {
  const rows: Array<{
    suite_id: string
    version: number
    dataset_name: string
    dataset_version: string
    dataset_size: number
    turn_type: string
    metrics: string
    star: string | null
    gate: string | null
  }> = await db
    .selectFrom('suite_versions')
    .select([
      'suite_id',
      'version',
      'dataset_name',
      'dataset_version',
      'dataset_size',
      'turn_type',
      'metrics',
      'star',
      'gate',
    ])
    .execute()
  for (const r of rows) {
    const key = suiteVersionKey({
      dataset: { name: r.dataset_name, version: r.dataset_version, size: Number(r.dataset_size) },
      turnType: r.turn_type,
      metrics: JSON.parse(r.metrics),
      star: parse(r.star) ?? null,
      gate: parse(r.gate) ?? null,
    })
    await sql`update suite_versions set def_key = ${key} where suite_id = ${r.suite_id} and version = ${r.version}`.execute(
      db,
    )
  }
}
