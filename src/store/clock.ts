import { sql } from 'kysely'
import type { Executor } from './bulk.js'
import type { Store } from './open.js'

/**
 * The database server's clock, in ms since the epoch. Servers sharing a database stamp job leases
 * with it (src/server/jobs/queue.ts measures its offset from the local clock), so a server whose own
 * clock runs ahead does not take over jobs whose leases are live. `db` may be a caller's transaction
 * (on SQLite it holds the store's only connection).
 */
export async function databaseNowMs(store: Store, db: Executor = store.db): Promise<number> {
  const query =
    store.dialect === 'postgres'
      ? sql<{ ms: number | string }>`select extract(epoch from clock_timestamp()) * 1000 as ms`
      : sql<{ ms: number | string }>`select (julianday('now') - 2440587.5) * 86400000.0 as ms`
  const { rows } = await query.execute(db)
  const ms = Number(rows[0]?.ms)
  if (!Number.isFinite(ms)) throw new Error(`the database returned no usable time (${String(rows[0]?.ms)})`)
  return ms
}
