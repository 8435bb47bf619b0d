import { join } from 'node:path'

/** Where the SQLite database is when nothing says otherwise, relative to the project root. */
export const DEFAULT_DB_FILE = join('.evalgate', 'evalgate.db')
