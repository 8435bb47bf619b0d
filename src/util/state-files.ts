import { join } from 'node:path'

// The files evalgate keeps in a project's `.evalgate/` directory, relative to the project root.

/** Where the SQLite database is when nothing says otherwise. */
export const DEFAULT_DB_FILE = join('.evalgate', 'evalgate.db')

/** Written by a running `evalgate serve` while it listens (src/client/discovery.ts). */
export const SERVER_INFO_FILE = join('.evalgate', 'server.json')
