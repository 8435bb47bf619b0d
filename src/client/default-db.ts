import { join } from 'node:path'

/** The embedded server's database, relative to the project root. */
export const DEFAULT_DB_FILE = join('.evalgate', 'evalgate.db')
