/**
 * Lossless text on both dialects. PostgreSQL `text` cannot hold U+0000 (`invalid byte sequence for
 * encoding "UTF8": 0x00`), and both drivers write UTF-8, which turns a lone surrogate (a JS string
 * cut in the middle of an emoji) into U+FFFD. So every string bound to a statement, on either
 * dialect, is encoded, and every string read back decoded: NUL, lone surrogates and the escape
 * character itself become ESC + four hex digits of the UTF-16 code unit. ESC is U+FFFF, a Unicode
 * noncharacter, so ordinary text (JSON columns included: JSON.stringify already escapes NUL and
 * lone surrogates) is bound unchanged, and equality (lookups, unique keys, GROUP BY) works on the
 * encoded form because the encoding is injective.
 *
 * Applied once, at the driver boundary (src/store/open.ts wraps the Kysely connections of both
 * dialects); the raw better-sqlite3 fast paths (src/store/bulk.ts, run-items lookups) call it
 * directly.
 */
import type {
  PostgresCursor,
  PostgresPool,
  PostgresPoolClient,
  PostgresQueryResult,
  SqliteDatabase,
  SqliteStatement,
} from 'kysely'

const ESC = '\uffff'
const ENCODED = /\uffff([0-9a-f]{4})/g

function isPlain(s: string): boolean {
  return (
    s.indexOf('\u0000') === -1 &&
    s.indexOf(ESC) === -1 &&
    (s as unknown as { isWellFormed(): boolean }).isWellFormed()
  )
}

/** The stored form of `s` (identical for ordinary text). */
export function encodeText(s: string): string {
  if (isPlain(s)) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!
        i++
        continue
      }
    }
    if (c === 0 || c === 0xffff || (c >= 0xd800 && c <= 0xdfff)) out += ESC + c.toString(16).padStart(4, '0')
    else out += s[i]!
  }
  return out
}

/** The text `encodeText` was given. */
export function decodeText(s: string): string {
  if (s.indexOf(ESC) === -1) return s
  return s.replace(ENCODED, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

/** Statement parameters with every string (also inside array parameters) encoded. */
export function encodeParams(params: ReadonlyArray<unknown>): unknown[] {
  const out = new Array(params.length)
  for (let i = 0; i < params.length; i++) {
    const p = params[i]
    if (typeof p === 'string') out[i] = encodeText(p)
    else if (Array.isArray(p)) out[i] = p.map((v) => (typeof v === 'string' ? encodeText(v) : v))
    else out[i] = p
  }
  return out
}

/** Decodes the string columns of result rows, in place. */
export function decodeRows<R>(rows: R[]): R[] {
  for (const row of rows) decodeRow(row)
  return rows
}

function decodeRow(row: unknown): void {
  if (row === null || typeof row !== 'object') return
  const r = row as Record<string, unknown>
  for (const key in r) {
    const v = r[key]
    if (typeof v === 'string' && v.indexOf(ESC) !== -1) r[key] = decodeText(v)
  }
}

/** A better-sqlite3 database as Kysely's SqliteDialect sees it, with the codec on every statement. */
export function sqliteWithCodec(db: SqliteDatabase): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const stmt = db.prepare(sql)
      return {
        reader: stmt.reader,
        all: (params) => decodeRows(stmt.all(encodeParams(params))),
        run: (params) => stmt.run(encodeParams(params)),
        *iterate(params) {
          for (const row of stmt.iterate(encodeParams(params))) {
            decodeRow(row)
            yield row
          }
        },
      }
    },
  }
}

/** A pg pool as Kysely's PostgresDialect sees it, with the codec on every query. */
export function postgresWithCodec(pool: PostgresPool): PostgresPool {
  return {
    end: () => pool.end(),
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect()
      function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
      function query<R>(
        sqlOrCursor: string | PostgresCursor<R>,
        parameters?: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        // cursors (Kysely's streaming) are not used by the store
        if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor)
        return client.query<R>(sqlOrCursor, encodeParams(parameters ?? [])).then((result) => {
          if (Array.isArray(result.rows)) decodeRows(result.rows)
          return result
        })
      }
      return { query, release: (destroy?: boolean) => client.release(destroy) }
    },
  }
}
