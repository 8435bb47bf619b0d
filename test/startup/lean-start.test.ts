// What the lean start-up (issue 13) changed, exercised for real: the SQLite schema stamp that lets an
// opened store skip the migrator, the in-process dispatch of the embedded client, and Fastify's
// JSON-schema compilers loading only for a route that declares a schema.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, describe, expect, test } from 'vitest'
import { connect } from '../../src/client/connect.js'
import { buildApp } from '../../src/server/app.js'
import { createServices } from '../../src/server/service/index.js'
import { migrationStamp } from '../../src/store/migrations.js'
import { openStore } from '../../src/store/open.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'evalgate-lean-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('SQLite schema stamp', () => {
  test('a migrated file carries the stamp; a file without it is migrated again, with its data kept', async () => {
    const file = join(dir, 'stamp.db')
    const store = await openStore(file)
    await createServices(store).projects.create('acme')
    await store.close()
    const raw = new BetterSqlite3(file)
    expect(raw.pragma('user_version', { simple: true })).toBe(migrationStamp())
    // An older build's file: no stamp. Opening it runs the migrator (a no-op here) and stamps it.
    raw.pragma('user_version = 0')
    raw.close()
    const again = await openStore(file)
    expect((await createServices(again).projects.list()).map((p) => p.name)).toEqual(['acme'])
    await again.close()
    const check = new BetterSqlite3(file)
    expect(check.pragma('user_version', { simple: true })).toBe(migrationStamp())
    check.close()
  })

  test('the pre-release layout check still runs for a file without the current stamp', async () => {
    // A pre-release build's file: migration 0001 recorded, table scores in an older layout, no stamp.
    const file = join(dir, 'old.db')
    await (await openStore(file)).close()
    const raw = new BetterSqlite3(file)
    raw.exec('drop table scores; create table scores (id text)')
    raw.pragma('user_version = 0')
    raw.close()
    await expect(openStore(file)).rejects.toThrow(/incompatible pre-release build/)
  })

  test('the stamp is a positive 31-bit number that depends on the migration names', () => {
    const stamp = migrationStamp()
    expect(Number.isInteger(stamp)).toBe(true)
    expect(stamp).toBeGreaterThan(0)
    expect(stamp).toBeLessThan(2 ** 31)
  })
})

describe('embedded connection', () => {
  test('talks to its server in-process with the API validation of HTTP requests', async () => {
    const connection = await connect({ root: dir, dbPath: join(dir, 'embedded.db'), discover: false })
    try {
      expect(connection.mode).toBe('embedded')
      expect(connection.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const created = await connection.api.runs.createOrJoin({
        suite: suiteDef({ name: 'lean' }),
        runGroup: 'lean-1',
      })
      expect(created.joined).toBe(false)
      const added = await connection.api.runs.addItems(created.run.id, [itemResult(0), itemResult(1)])
      expect(added.accepted).toBe(2)
      // A bad body gets the same 400 naming the field as over HTTP.
      await expect(
        connection.api.runs.addItems(created.run.id, [{ ...itemResult(2), status: 'nope' } as never]),
      ).rejects.toMatchObject({ status: 400, path: expect.stringContaining('status') })
      const run = await connection.api.runs.finalize(created.run.id)
      expect(run.id).toBe(created.run.id)
      const results = await connection.api.runs.results(created.run.id)
      expect(results.items).toHaveLength(2)
    } finally {
      await connection.close()
    }
  })
})

describe('Fastify schema compilers', () => {
  test('load on demand for a route that declares a JSON schema', async () => {
    const store = await openStore(':memory:')
    const app = await buildApp(createServices(store))
    app.get(
      '/schema-route',
      {
        schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } },
      },
      async (req) => ({ n: (req.query as { n: number }).n }),
    )
    const ok = await app.inject({ method: 'GET', url: '/schema-route?n=3' })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ n: 3 })
    const bad = await app.inject({ method: 'GET', url: '/schema-route?n=x' })
    expect(bad.statusCode).toBe(400)
    await app.close()
    await store.close()
  })
})
