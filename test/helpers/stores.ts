import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { postgresUnavailable, startPostgres, type TestPostgres } from './postgres.js'

export type DialectName = 'sqlite' | 'postgres'

/** Both dialects, with postgres dropped (loudly) when its binaries are missing outside CI. */
export const DIALECTS: DialectName[] = postgresUnavailable() ? ['sqlite'] : ['sqlite', 'postgres']

let dbCounter = 0

/**
 * Registers hooks that provide fresh database locations of one dialect: `next()` returns a new
 * SQLite file or a new PostgreSQL database on a throwaway cluster.
 */
export function useDatabases(dialect: DialectName): { next(): Promise<string> } {
  let dir = ''
  let pgServer: TestPostgres | undefined
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evalgate-store-'))
    if (dialect === 'postgres') pgServer = await startPostgres()
  })
  afterAll(async () => {
    await pgServer?.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    async next() {
      dbCounter++
      if (dialect === 'sqlite') return join(dir, `db-${dbCounter}.sqlite`)
      return pgServer!.createDatabase(`evalgate_test_${process.pid}_${dbCounter}`)
    },
  }
}
