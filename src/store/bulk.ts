import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Database } from './schema.js'

export type Executor = Kysely<Database> | Transaction<Database>
export type SqlValue = string | number | null

/**
 * Multi-row INSERT of pre-shaped rows, chunked so that no statement exceeds `maxParams` bind
 * parameters (SQLite allows 32766). Builds the SQL text directly: the query builder's per-value
 * node trees cost more than the insert itself at ingest volumes.
 */
export async function insertRows(
  db: Executor,
  dialect: 'sqlite' | 'postgres',
  maxParams: number,
  table: keyof Database,
  columns: readonly string[],
  rows: readonly SqlValue[][],
): Promise<void> {
  if (rows.length === 0) return
  const width = columns.length
  const perChunk = Math.max(1, Math.floor(maxParams / width))
  const head = `insert into ${table} (${columns.join(', ')}) values `
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk)
    const params: SqlValue[] = new Array(chunk.length * width)
    const tuples: string[] = new Array(chunk.length)
    let p = 0
    for (let r = 0; r < chunk.length; r++) {
      const row = chunk[r]!
      const marks: string[] = new Array(width)
      for (let c = 0; c < width; c++) {
        params[p] = row[c] ?? null
        p++
        marks[c] = dialect === 'postgres' ? `$${p}` : '?'
      }
      tuples[r] = `(${marks.join(', ')})`
    }
    await db.executeQuery(CompiledQuery.raw(head + tuples.join(', '), params))
  }
}

/** Runs `fn` over `values` split into chunks of at most `size` (for `IN (...)` lists). */
export async function inChunks<T, R>(values: readonly T[], size: number, fn: (chunk: T[]) => Promise<R[]>) {
  const out: R[] = []
  for (let i = 0; i < values.length; i += size) out.push(...(await fn(values.slice(i, i + size))))
  return out
}
