/**
 * Migration 0012: a run item's latency may be unknown. Before it, a Netra item without spans was
 * stored with latency 0, which counted in its run's mean and p95 latency. A store whose Netra items
 * still hold that 0 is migrated: those become unknown (null), native items keep their measured
 * latency (0 included), the runs' summaries are computed again, and SQLite's rebuilt run_items
 * keeps its keys, constraints and index. On SQLite and PostgreSQL.
 */
import { sql } from 'kysely'
import { describe, expect, test } from 'vitest'
import { ItemResultSchema, SuiteDefSchema } from '../../src/schema/meta.js'
import { NetraCreateRunBodySchema, NetraRunItemBodySchema } from '../../src/schema/netra.js'
import { NetraService } from '../../src/server/netra/service.js'
import { createServices } from '../../src/server/service/index.js'
import { openStore, type Store } from '../../src/store/open.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

const MIGRATION = '0012_unknown_latency'
const runBody = (name: string) => NetraCreateRunBodySchema.parse({ name })
const itemBody = (q: string) => NetraRunItemBodySchema.parse({ input: { q }, taskOutput: `answer ${q}` })

/** Makes a migrated store look like one migrated before 0012 ran, so that opening it runs 0012. */
async function forgetMigration(store: Store, location: string): Promise<void> {
  await sql`delete from evalgate_migrations where name = ${MIGRATION}`.execute(store.db)
  await store.close()
  if (store.dialect === 'sqlite') {
    // the schema stamp would let the next open skip the migrator
    const BetterSqlite3 = (await import('better-sqlite3')).default
    const raw = new BetterSqlite3(location)
    raw.pragma('user_version = 0')
    raw.close()
  }
}

describe.each(DIALECTS)('migration 0012: unknown latency (%s)', (dialect) => {
  const dbs = useDatabases(dialect)

  test('Netra items stored with latency 0 become unknown; native items and the summaries follow', async () => {
    const location = await dbs.next()
    let store = await openStore(location)
    let services = createServices(store)
    const project = await services.projects.ensure('latency')
    const netra = new NetraService(services, 60_000)
    const { run: netraRun } = await netra.createRun(project.id, runBody('netra-run'))
    for (const q of ['a', 'b', 'c']) await netra.addRunItem(project.id, netraRun.id, itemBody(q), undefined)
    const { run: nativeRun } = await services.runs.createOrJoin(project.id, {
      suite: SuiteDefSchema.parse(suiteDef({ name: 'native' })),
      origin: 'vitest',
    })
    const measured = [0, 20].map((latencyMs, i) => ItemResultSchema.parse(itemResult(i, { latencyMs })))
    await services.runs.addItems(project.id, nativeRun.id, measured)
    await services.runs.finalize(project.id, nativeRun.id, { outcome: 'completed' })

    // what a store written before 0012 holds: 0 for the Netra items, except one filled from spans
    await sql`update run_items set latency_ms = 0 where run_id = ${netraRun.id}`.execute(store.db)
    await sql`update run_items set latency_ms = 40 where run_id = ${netraRun.id} and ordinal = 2`.execute(
      store.db,
    )
    // and the summary those zeros gave (read once, so it is stored)
    const before = (await services.runs.get(project.id, netraRun.id)).summary
    expect(before.meanLatencyMs).toBeCloseTo(40 / 3, 6)
    await forgetMigration(store, location)

    store = await openStore(location)
    try {
      services = createServices(store)
      const latencies = async (runId: string) =>
        (await services.runs.results(project.id, runId, { page: 1, perPage: 10 })).items.map(
          (i) => i.latencyMs,
        )
      expect(await latencies(netraRun.id)).toEqual([null, 40, null])
      expect(await latencies(nativeRun.id)).toEqual([0, 20])
      // the Netra run's summary was computed again: latency over the one known item
      const netraSummary = (await services.runs.get(project.id, netraRun.id)).summary
      expect(netraSummary).toMatchObject({ totalItems: 3, meanLatencyMs: 40, p95LatencyMs: 40 })
      const nativeSummary = (await services.runs.get(project.id, nativeRun.id)).summary
      expect(nativeSummary).toMatchObject({ totalItems: 2, meanLatencyMs: 10, p95LatencyMs: 20 })

      // the table keeps its key and constraints (rebuilt on SQLite)
      const duplicate = sql`insert into run_items (run_id, ordinal, item_id, trial, idx, status, outcome,
        passed, input, tags, metadata, output, latency_ms, started_at, trace_id, span_id, score_count,
        updated_at) select run_id, 99, item_id, trial, idx, status, outcome, passed, input, tags,
        metadata, output, latency_ms, started_at, trace_id, span_id, score_count, updated_at
        from run_items where run_id = ${nativeRun.id} and ordinal = 1`
      await expect(duplicate.execute(store.db)).rejects.toThrow(/unique|UNIQUE/)
      const missingItemId = sql`insert into run_items (run_id, ordinal, item_id, trial, idx, status, outcome,
        passed, input, tags, metadata, output, started_at, trace_id, span_id, score_count, updated_at)
        values (${nativeRun.id}, 98, null, 0, 0, 'completed', 'passed', 1, '1', '[]', '{}', '1',
        '2026-01-01T00:00:00.000Z', 't', 's', 0, '2026-01-01T00:00:00.000Z')`
      await expect(missingItemId.execute(store.db)).rejects.toThrow(/null|NULL/)
      if (store.dialect === 'sqlite') {
        const indexes = store
          .sqlite!.prepare(`select name from sqlite_master where type = 'index' and tbl_name = 'run_items'`)
          .all() as { name: string }[]
        expect(indexes.map((i) => i.name)).toContain('run_items_run_outcome_ordinal')
      }
      // and a new Netra item without spans is stored with its latency unknown
      const after = new NetraService(services, 60_000)
      const { run: next } = await after.createRun(project.id, runBody('netra-next'))
      const posted = await after.addRunItem(project.id, next.id, itemBody('d'), undefined)
      expect(posted.item.latencyMs).toBeNull()
    } finally {
      await store.close()
    }
  })
})
