/**
 * The real `evalgate` command as child processes: serve's URL and clean shutdown, keys, crash
 * safety (SIGKILL mid-ingest leaves whole batches only) and two server processes on one SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ItemResultSchema } from '../../src/schema/meta.js'
import { createServices } from '../../src/server/service/index.js'
import { openStore } from '../../src/store/open.js'
import { buildCli, runCli, type ServeProcess, spawnServe } from '../helpers/cli.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

let cli: string
let dir: string
const children: ServeProcess[] = []

beforeAll(async () => {
  cli = await buildCli()
  dir = mkdtempSync(join(tmpdir(), 'evalgate-proc-'))
})
afterAll(() => {
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
  rmSync(dirname(cli), { recursive: true, force: true })
})

async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  // each server in its own working directory: serve writes a discovery file there
  const cwd = mkdtempSync(join(dir, 'cwd-'))
  const p = await spawnServe(cli, args, env, cwd)
  children.push(p)
  return p
}

/** A batch of distinct items with three scores each. */
function batch(start: number, size: number) {
  return Array.from({ length: size }, (_, k) => {
    const item = itemResult(start + k)
    item.scores.push({
      metric: 'third',
      score: 0.5,
      passed: null,
      threshold: null,
      inverted: false,
      durationMs: 0,
    })
    return item
  })
}

describe('evalgate CLI', () => {
  test('usage, unknown command, help', async () => {
    const none = await runCli(cli, [])
    expect(none.code).toBe(1)
    expect(none.stdout).toContain('usage: evalgate <command>')
    const unknown = await runCli(cli, ['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
    expect(unknown.stderr).toContain('serve')
    const help = await runCli(cli, ['serve', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--db')
    const badPort = await runCli(cli, ['serve', '--port', 'abc'])
    expect(badPort.code).toBe(1)
    expect(badPort.stderr).toContain('--port must be a non-negative integer')
  })

  test('keys create prints the key once; serve --require-auth accepts it and only it', async () => {
    const db = join(dir, 'keys.db')
    const created = await runCli(cli, ['keys', 'create', '--project', 'team-a', '--db', db])
    expect(created.code).toBe(0)
    const key = created.stdout.trim()
    expect(key).toMatch(/^egk_[A-Za-z0-9_-]+$/)
    expect(created.stderr).toContain('not shown again')
    const listed = await runCli(cli, ['keys', 'list', '--project', 'team-a', '--db', db])
    expect(listed.stdout).toContain(key.slice(0, 10))
    expect(listed.stdout).not.toContain(key)
    const missing = await runCli(cli, ['keys', 'create', '--db', db])
    expect(missing.code).toBe(2)

    const server = await serve(['--db', db, '--require-auth'])
    expect((await client(server.url).get('/api/v1/runs')).status).toBe(401)
    const me = await client(server.url, key).get('/api/v1/projects/current')
    expect(me.body.name).toBe('team-a')
    server.child.kill('SIGINT')
    expect((await server.exited).code).toBe(0)
  })

  test('DATABASE_URL selects the database when --db is absent', async () => {
    const db = join(dir, 'from-env.db')
    const server = await serve([], { DATABASE_URL: db })
    expect(server.stdout()).toContain(db)
    server.child.kill('SIGTERM')
    await server.exited
  })

  test('without --db or DATABASE_URL the database is .evalgate/evalgate.db in the working directory', async () => {
    const server = await serve([], { DATABASE_URL: '' })
    expect(server.stdout()).toMatch(/sqlite: \S+\/\.evalgate\/evalgate\.db/)
    server.child.kill('SIGTERM')
    await server.exited
  })
})

describe('shutdown and crash safety', () => {
  const pgDatabases = useDatabases(DIALECTS.includes('postgres') ? 'postgres' : 'sqlite')
  test('SIGTERM finishes in-flight batches, closes the database, and loses no accepted write', async () => {
    const db = join(dir, 'graceful.db')
    const server = await serve(['--db', db])
    const api = client(server.url)
    const { run } = (await api.post('/api/v1/runs', { suite: suiteDef() })).body
    const sends = Array.from({ length: 6 }, (_, b) =>
      api.post(`/api/v1/runs/${run.id}/items`, { items: batch(b * 1000, 1000) }).catch((err: unknown) => err),
    )
    await sends[0]
    server.child.kill('SIGTERM')
    const results = await Promise.all(sends)
    const { code } = await server.exited
    expect(code).toBe(0)
    expect(server.stdout()).toContain('evalgate server stopped')
    const accepted = results.filter((r) => (r as { status?: number }).status === 200).length
    expect(accepted).toBeGreaterThanOrEqual(1)
    const store = await openStore(db)
    try {
      const n = await store.db
        .selectFrom('run_items')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
      expect(Number(n?.n)).toBeGreaterThanOrEqual(accepted * 1000)
      expect(Number(n?.n) % 1000).toBe(0)
    } finally {
      await store.close()
    }
  })

  test.each(DIALECTS)(
    'SIGKILL mid-ingest (%s): whole batches only, every item with all its scores',
    async (dialect) => {
      const db = dialect === 'sqlite' ? join(dir, 'killed.db') : await pgDatabases.next()
      const server = await serve(['--db', db])
      const { run } = (await client(server.url).post('/api/v1/runs', { suite: suiteDef() })).body
      const BATCH = 500
      let acked = 0
      let next = 0
      let killed = false
      const worker = async () => {
        const api = client(server.url)
        for (;;) {
          const start = next
          next += BATCH
          if (killed || start >= 200 * BATCH) return
          try {
            const res = await api.post(`/api/v1/runs/${run.id}/items`, { items: batch(start, BATCH) })
            if (res.status === 200) acked++
            if (acked >= 6 && !killed) {
              killed = true
              server.child.kill('SIGKILL')
            }
          } catch {
            return // connection refused or reset after the kill
          }
        }
      }
      await Promise.all([worker(), worker(), worker()])
      const { signal } = await server.exited
      expect(signal).toBe('SIGKILL')

      if (dialect === 'sqlite') {
        const raw = new BetterSqlite3(db)
        try {
          expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
        } finally {
          raw.close()
        }
      }
      const store = await openStore(db)
      try {
        const q = store.db
        const items = await q
          .selectFrom('run_items')
          .select(['ordinal', 'score_count'])
          .where('run_id', '=', run.id)
          .execute()
        const scores = await q.selectFrom('scores').select(['ordinal']).where('run_id', '=', run.id).execute()
        expect(items.length).toBeGreaterThanOrEqual(acked * BATCH)
        expect(items.length % BATCH).toBe(0)
        const perItem = new Map<number, number>()
        for (const s of scores) perItem.set(s.ordinal, (perItem.get(s.ordinal) ?? 0) + 1)
        expect(items.filter((i) => i.score_count !== 3 || perItem.get(i.ordinal) !== 3)).toEqual([])
        expect(perItem.size).toBe(items.length) // no orphaned scores
        const seq = await q
          .selectFrom('runs')
          .select('item_seq')
          .where('id', '=', run.id)
          .executeTakeFirstOrThrow()
        expect(seq.item_seq).toBe(items.length)

        // the store reopens and keeps working: retrying batches converges without duplicates
        const services = createServices(store)
        const projectId = run.projectId
        for (let start = 0; start < 12 * BATCH; start += BATCH) {
          await services.runs.addItems(
            projectId,
            run.id,
            batch(start, BATCH).map((i) => ItemResultSchema.parse(i)),
          )
        }
        const fin = await services.runs.finalize(projectId, run.id, { outcome: 'completed' })
        expect(fin.summary.totalItems).toBeGreaterThanOrEqual(12 * BATCH)
        expect(fin.summary.totalItems % BATCH).toBe(0)
        expect(fin.summary.metrics.find((m) => m.name === 'third')!.count).toBe(fin.summary.totalItems)
      } finally {
        await store.close()
      }
    },
  )

  test('two server processes on one SQLite file ingest into one run with exact counts', async () => {
    const db = join(dir, 'shared.db')
    const [a, b] = await Promise.all([serve(['--db', db]), serve(['--db', db])])
    const suite = suiteDef({ name: 'two-procs' })
    const ra = (await client(a!.url).post('/api/v1/runs', { suite, runGroup: 'ci-42' })).body
    const rb = (await client(b!.url).post('/api/v1/runs', { suite, runGroup: 'ci-42' })).body
    expect(rb.joined).toBe(true)
    expect(rb.run.id).toBe(ra.run.id)
    const runId = ra.run.id
    const sends: Promise<{ status: number }>[] = []
    for (let i = 0; i < 16; i++) {
      const target = i % 2 === 0 ? a! : b!
      // overlapping batches (each item is sent by both processes)
      sends.push(
        client(target.url).post(`/api/v1/runs/${runId}/items`, {
          items: batch(Math.floor(i / 2) * 300, 400),
        }),
      )
    }
    const res = await Promise.all(sends)
    expect(res.map((r) => r.status)).toEqual(res.map(() => 200))
    const fin = await client(a!.url).post(`/api/v1/runs/${runId}/finalize`)
    expect(fin.body.summary.totalItems).toBe(7 * 300 + 400)
    const viaB = await client(b!.url).get(`/api/v1/runs/${runId}/results?perPage=1000&page=3`)
    expect(viaB.body.total).toBe(2500)
    expect(viaB.body.items.map((i: { ordinal: number }) => i.ordinal)).toEqual(
      Array.from({ length: 500 }, (_, i) => 2001 + i),
    )
    a!.child.kill('SIGTERM')
    b!.child.kill('SIGTERM')
    await Promise.all([a!.exited, b!.exited])
  })
})
