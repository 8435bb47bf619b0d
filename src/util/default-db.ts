import { join } from 'node:path'

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
