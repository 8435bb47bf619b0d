import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely'
import type pg from 'pg'
import { DEFAULT_DB_FILE, isPostgresUrl, printableDbLocation } from '../util/default-db.js'
import { migrationProvider, migrationStamp } from './migrations.js'
import type { Database } from './schema.js'
import { postgresWithCodec, sqliteWithCodec } from './text-codec.js'

export type Dialect = 'sqlite' | 'postgres'

export interface Store {
  db: Kysely<Database>
  dialect: Dialect
  /** Where the data lives: the SQLite file path or the PostgreSQL URL with its password masked. */
  location: string
  /** Most bind parameters one statement may carry on this dialect. */
  maxParams: number
  /**
   * The raw better-sqlite3 handle (SQLite only): the one connection Kysely uses too, so statements
   * run on it inside a Kysely transaction belong to that transaction. Used by bulk ingest, which
   * applies the text codec (src/store/text-codec.ts) itself: this handle does not.
   */
  sqlite?: BetterSqlite3.Database
  close(): Promise<void>
}

/** int8 (count(*), sums) and numeric as JS numbers, for this pool only: our counts stay far below 2^53. */
function numericTypes(types: typeof pg.types): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === types.builtins.INT8 || oid === types.builtins.NUMERIC) return (v: string) => Number(v)
      return types.getTypeParser(oid, format)
    },
  } as pg.CustomTypesConfig
}

/**
 * Transactions take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that reads
 * and then writes fails at once with SQLITE_BUSY when another process committed in between,
 * while an immediate one waits (busy_timeout) and always sees the latest data.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

function immediateSqliteDialect(config: SqliteDialectConfig): SqliteDialect {
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      return new ImmediateSqliteDriver(config)
    }
  })(config)
}

/** How long a statement waits for another connection's write lock. */
const BUSY_TIMEOUT_MS = 10_000

export const DEFAULT_SQLITE_PATH = DEFAULT_DB_FILE

export { isPostgresUrl }

/** Where to store data when nothing is said: `DATABASE_URL`, else `.evalgate/evalgate.db` under the cwd. */
export function defaultDbLocation(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL && env.DATABASE_URL.length > 0 ? env.DATABASE_URL : DEFAULT_SQLITE_PATH
}

/**
 * Opens (and migrates) the store. `db` is a SQLite file path (directories are created; `:memory:`
 * works) or a `postgres://` URL. Without `db`, DATABASE_URL or `.evalgate/evalgate.db`.
 */
export async function openStore(db?: string): Promise<Store> {
  const location = db ?? defaultDbLocation()
  let store: Store
  if (isPostgresUrl(location)) {
    // pg loads only for PostgreSQL: the embedded SQLite store of every `vitest run` never needs it.
    const { default: pg } = await import('pg')
    const pool = new pg.Pool({ connectionString: location, max: 10, types: numericTypes(pg.types) })
    pool.on('error', () => {
      /* idle client errors (server restart) surface on the next query instead of crashing */
    })
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: postgresWithCodec(pool) }) })
    store = {
      db: kysely,
      dialect: 'postgres',
      location: printableDbLocation(location),
      maxParams: 65_000,
      close: () => kysely.destroy(),
    }
  } else {
    const file = location === ':memory:' ? location : resolve(location)
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    const sqlite = new BetterSqlite3(file)
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    // New databases only (must precede WAL; an existing file keeps its page size): ingest writes
    // ~1 KB per run item and commits each batch to the WAL page by page, and 16 KB pages mean a
    // quarter of the write calls; measured +15-40% items/s on batch ingest, reads unchanged.
    sqlite.pragma('page_size = 16384')
    // Switching a new file to WAL needs an exclusive lock and answers SQLITE_BUSY at once, without
    // the busy handler, while another process opens the same new file.
    await whenNotBusy(sqlite, () => sqlite.pragma('journal_mode = WAL'))
    sqlite.pragma('synchronous = NORMAL')
    // Checkpoint every 1 MiB of WAL (64 pages of 16 KB) instead of SQLite's 1000 pages (16 MiB at
    // this page size): each checkpoint fsyncs, and whatever the WAL holds when the last connection
    // closes is checkpointed by close() itself, at the very end of a `vitest run` (10,000 items:
    // ~10 MB of WAL, a 35-70 ms close). Checkpointed as ingest commits instead, during the tests.
    sqlite.pragma('wal_autocheckpoint = 64')
    sqlite.pragma('foreign_keys = ON')
    const kysely = new Kysely<Database>({
      dialect: immediateSqliteDialect({ database: sqliteWithCodec(sqlite) }),
    })
    // Kysely's SQLite migration lock is a no-op (it assumes one connection); several processes may
    // open the same file at once (embedded servers of parallel runs), so migrate under a write lock.
    // A file whose stamp says these migrations are applied needs neither.
    const stamp = migrationStamp()
    if (sqlite.pragma('user_version', { simple: true }) !== stamp) {
      try {
        await whenNotBusy(sqlite, () => sqlite.exec('BEGIN IMMEDIATE'))
        await migrate(kysely)
        sqlite.pragma(`user_version = ${stamp}`)
        sqlite.exec('COMMIT')
      } catch (err) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
        await kysely.destroy().catch(() => {})
        throw err
      }
    }
    return {
      db: kysely,
      dialect: 'sqlite',
      location: file,
      maxParams: 32_000,
      sqlite,
      close: () => kysely.destroy(),
    }
  }
  try {
    await migrate(store.db)
  } catch (err) {
    await store.close().catch(() => {})
    throw err
  }
  return store
}

/**
 * Runs `attempt` until SQLite stops answering SQLITE_BUSY, without blocking the event loop:
 * better-sqlite3's busy handler sleeps the thread, which would deadlock against another connection
 * of this same process that holds the lock across an await. Poll instead.
 */
async function whenNotBusy(
  sqlite: BetterSqlite3.Database,
  attempt: () => unknown,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  sqlite.pragma('busy_timeout = 0')
  try {
    for (;;) {
      try {
        attempt()
        return
      } catch (err) {
        const code = (err as { code?: string }).code ?? ''
        if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 20))
      }
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  }
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'evalgate_migrations',
    migrationLockTableName: 'evalgate_migrations_lock',
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${message}`)
  }
  // Databases made by pre-release builds carry migration 0001 with an older layout.
  try {
    await db.selectFrom('scores').select(['run_id', 'ordinal', 'position']).limit(0).execute()
  } catch {
    throw new Error(
      'this database was created by an incompatible pre-release build of evalgate (table scores has an old layout); delete it or point --db elsewhere',
    )
  }
}
