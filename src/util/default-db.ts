import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** Where the SQLite database is when nothing says otherwise, relative to the project root. */
export const DEFAULT_DB_FILE = join('.evalgate', 'evalgate.db')

/** Whether a database location is a PostgreSQL URL (else a SQLite file path, or `:memory:`). */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db)
}

/** A database location fit to print or log: a PostgreSQL URL with its password masked. */
export function printableDbLocation(db: string): string {
  if (!isPostgresUrl(db)) return db
  try {
    const url = new URL(db)
    if (url.password) url.password = '***'
    return url.toString()
  } catch {
    return 'postgres://…'
  }
}

/**
 * Whether a location names a SQLite file that does not exist (relative to the cwd unless absolute).
 * Commands that only need what is stored refuse it rather than create an empty database there.
 */
export function isMissingLocalDatabase(location: string): boolean {
  return !isPostgresUrl(location) && location !== ':memory:' && !existsSync(resolve(location))
}

/** What such a command says (after its own name) of a missing database; `flags`: where else to look. */
export function missingDatabaseMessage(location: string, flags = '--db'): string {
  return `no database at ${resolve(location)}: nothing has been stored here yet (run your evals first, or pass ${flags})`
}
