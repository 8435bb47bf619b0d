/**
 * Findings 1 and 7: `evalgate upload` tells "server unreachable" (stop, keep everything) from "this
 * file was refused" (set it aside, go on), and a bad line never aborts a file or gets deleted.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Outbox } from '../../src/client/outbox.js'
import { SuiteDefSchema } from '../../src/schema/meta.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { makeItem, makeSuite } from '../client/items.js'
import { buildCli, runCli } from '../helpers/cli.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

describe.each(DIALECTS)('evalgate upload on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: RunningServer
  let cli: string
  let dir: string
  beforeAll(async () => {
    cli = await buildCli()
    dir = mkdtempSync(join(tmpdir(), `evalgate-upload-${dialect}-`))
    server = await startServer({ db: await dbs.next(), bodyLimit: 64 * 1024 })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const header = (name: string, group: string) => ({
    runGroup: group,
    suite: SuiteDefSchema.parse(makeSuite(name)),
    origin: 'vitest',
  })

  test('bad lines are quarantined, the rest is sent and the run finalized; a refused file is set aside and later files still go', async () => {
    const outbox = new Outbox(join(dir, 'a'))
    // 1: a corrupt middle line, valid lines after it, a garbage last line, and a NUL (a 500 on PostgreSQL before)
    const first = outbox.append(header('alpha', 'g-a'), [makeItem(0, { itemId: 'nul\u0000id' }), makeItem(1)])
    writeFileSync(
      first,
      `${readFileSync(first, 'utf8')}{"kind":"item","item":{"itemId":"x","index":-1}}\nnot json at all\n${JSON.stringify({ kind: 'item', item: makeItem(2) })}\n{"kind":"item","ite`,
    )
    // 2: refused by the server as a whole (one item over the body limit)
    const second = outbox.append(header('beta', 'g-b'), [makeItem(0, { output: 'x'.repeat(100 * 1024) })])
    // 3: fine, and must still be sent after 2 was refused
    const third = outbox.append(header('gamma', 'g-c'), [makeItem(0), makeItem(1, { passed: false })])
    expect(outbox.list().sort()).toEqual([first, second, third].sort())

    const r = await runCli(cli, ['upload', '--dir', outbox.dir, '--url', server.url])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const api = client(server.url)
    const runs = (await api.get('/api/v1/runs?limit=50')).body.runs as {
      suiteName: string
      status: string
      id: string
      summary: { totalItems: number }
    }[]
    const alpha = runs.find((x) => x.suiteName === 'alpha')!
    expect(alpha.summary.totalItems).toBe(3)
    expect(['succeeded', 'partially_succeeded', 'failed']).toContain(alpha.status)
    const ids = (await api.get(`/api/v1/runs/${alpha.id}/results?perPage=10`)).body.items.map(
      (i: { itemId: string }) => i.itemId,
    )
    expect(ids.sort()).toEqual(['item-1', 'item-2', 'nul\u0000id'].sort())
    expect(runs.find((x) => x.suiteName === 'gamma')!.summary.totalItems).toBe(2)

    // what was sent, what was set aside and why
    expect(r.stdout).toContain('3 items of alpha (group g-a)')
    expect(r.stdout).toMatch(/3 line\(s\) of .* set aside to .*rejected/)
    expect(r.stdout).toContain('line 4: bad item: field `item.index`')
    expect(r.stdout).toContain('line 5: not valid JSON')
    expect(r.stdout).toContain('line 7: not valid JSON: a torn last line')
    expect(r.stdout).toContain('2 items of gamma (group g-c)')
    expect(r.stderr).toMatch(/HTTP 413 payload_too_large.*set aside to .*rejected/)

    // nothing lost: the quarantine holds every bad line verbatim, the refused file whole
    expect(outbox.list()).toEqual([])
    const rejected = readdirSync(outbox.rejectedDir)
    const report = readFileSync(join(outbox.rejectedDir, basename(first)), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(report.map((l: { line: number; text: string }) => [l.line, l.text])).toEqual([
      [4, '{"kind":"item","item":{"itemId":"x","index":-1}}'],
      [5, 'not json at all'],
      [7, '{"kind":"item","ite'],
    ])
    const aside = rejected.find((f) => f.startsWith(basename(second, '.jsonl')) && f.endsWith('.jsonl'))!
    expect(readFileSync(join(outbox.rejectedDir, aside), 'utf8')).toContain('x'.repeat(1000))
    expect(readFileSync(join(outbox.rejectedDir, `${aside}.reason.txt`), 'utf8')).toContain('413')
  })

  test('an unreachable server stops the upload and keeps every file', async () => {
    const outbox = new Outbox(join(dir, 'b'))
    const a = outbox.append(header('delta', 'g-d'), [makeItem(0)])
    const b = outbox.append(header('epsilon', 'g-e'), [makeItem(0)])
    const r = await runCli(cli, ['upload', '--dir', outbox.dir, '--url', 'http://127.0.0.1:9'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('cannot reach the evalgate server')
    expect(r.stderr).toContain('kept')
    expect(r.stderr).toContain('1 more file(s) not tried')
    expect(outbox.list().sort()).toEqual([a, b].sort())
    expect(existsSync(outbox.rejectedDir)).toBe(false)
  })
})
