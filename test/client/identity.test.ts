/**
 * One item identity and one dataset version, whichever path the items take: inline, JSONL,
 * `addDatasetItem` (server-assigned ids), the native bulk API, a Gradient CSV upload and
 * `serverDataset()`. And a database written by the release before (a committed fixture) is
 * migrated to it.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type EvalgateClient } from '../../src/client/client.js'
import { serverDataset } from '../../src/client/server-dataset.js'
import { dataset, itemId } from '../../src/dataset/index.js'
import { evaluator } from '../../src/evaluators/index.js'
import type { Suite } from '../../src/schema/api.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { migrationProvider } from '../../src/store/migrations.js'
import { buildCli, runCli } from '../helpers/cli.js'
import { client as http } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

const ITEMS = [
  { input: 'France', expected: 'Paris', tags: ['eu'] },
  { input: { country: 'Japan', lang: 'en' }, expected: 'Tokyo', metadata: { region: 'asia' } },
  { input: 'France', expected: 'Paris', tags: ['duplicate'] },
  { id: 'explicit-1', input: 'Peru', expected: 'Lima' },
  { input: 'Chile' },
]

let dir: string
let server: RunningServer
let sdk: EvalgateClient

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-identity-'))
  server = await startServer({ db: join(dir, 'id.db') })
  sdk = createClient({ url: server.url, retries: 0 })
})
afterAll(async () => {
  await sdk?.close()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('one identity on every path', () => {
  test('the same items get the same ids and the same dataset version', async () => {
    const inline = await dataset.inline('capitals', ITEMS).load()
    const file = join(dir, 'capitals.jsonl')
    // keys in another order in the file: the canonical JSON is the same
    writeFileSync(
      file,
      `${ITEMS.map((item) => JSON.stringify(Object.fromEntries(Object.entries(item).reverse()))).join('\n')}\n`,
    )
    const jsonl = await dataset.jsonl('capitals', file).load()

    // Netra-style addDatasetItem, one item at a time: the server assigns the ids
    const one = await sdk.createDataset({ name: 'capitals-one-by-one' })
    const added = []
    for (const item of ITEMS.filter((i) => i.tags?.[0] !== 'duplicate'))
      added.push(await sdk.addDatasetItem(one.id, item))
    // the native bulk API
    const bulk = await sdk.createDataset({ name: 'capitals' })
    await sdk.api.datasets.addItems(bulk.id, ITEMS)
    const viaServer = await serverDataset(bulk.id, { api: sdk.api }).load()

    const ids = inline.items.map((i) => i.id)
    expect(ids[0]).toBe(itemId({ input: 'France', expected: 'Paris' }))
    expect(ids[2]).toBe(`${ids[0]}~2`)
    expect(ids[3]).toBe('explicit-1')
    expect(ids[4]).toBe(itemId({ input: 'Chile' }))
    expect(jsonl.items.map((i) => i.id)).toEqual(ids)
    expect(viaServer.items.map((i) => i.id)).toEqual(ids)
    expect(added.map((i) => i.id)).toEqual([ids[0], ids[1], ids[3], ids[4]])

    expect(jsonl.version).toBe(inline.version)
    expect(viaServer.version).toBe(inline.version)
    expect((await sdk.api.datasets.get(bulk.id)).contentHash).toBe(inline.version)
  })

  test('a Gradient CSV upload names its rows by the same rule', async () => {
    const api = http(server.url)
    const csv = 'query,expected_output\n"{""q"":""France""}",Paris\n"{""q"":""France""}",Paris\n'
    const presigned = await api.post('/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls', {
      files: [{ file_name: 'c.csv', file_size: csv.length }],
    })
    expect(presigned.status).toBe(200)
    const upload = presigned.body.uploads[0]
    const put = await fetch(upload.presigned_url, { method: 'PUT', body: csv })
    expect(put.ok).toBe(true)
    const created = await api.post('/v2/gen-ai/evaluation_datasets', {
      name: 'csv',
      file_upload_dataset: {
        original_file_name: 'c.csv',
        stored_object_key: upload.object_key,
        size_in_bytes: String(csv.length),
      },
    })
    expect(created.status).toBe(200)
    const items = await sdk.api.datasets.listItems(created.body.evaluation_dataset_uuid, {
      page: 1,
      perPage: 10,
    })
    const base = itemId({ input: { q: 'France' }, expected: 'Paris' })
    expect(items.items.map((i) => i.id)).toEqual([base, `${base}~2`])
  })
})

describe('content-addressed suite versions', () => {
  test('flipping a gate back reuses the old version, and "Δ prev" compares with its runs', async () => {
    const exact = evaluator('exact', ({ output, expected }) => output === expected, { threshold: 1 })
    const capital = (q: unknown) => ({ France: 'Paris', Peru: 'Lima' })[String(q)] ?? '?'
    const data = [
      { input: 'France', expected: 'Paris' },
      { input: 'Peru', expected: 'Lima' },
    ]
    const versions: number[] = []
    for (const passRate of [0.8, 0.95, 0.8]) {
      const { run } = await sdk.runTestSuite({
        name: 'flip',
        data,
        task: capital,
        evaluators: [exact],
        gate: { passRate },
      })
      versions.push(run.suiteVersion)
    }
    expect(versions).toEqual([1, 2, 1])
    const { runs } = await sdk.api.runs.list({ suiteName: 'flip', limit: 10 })
    const latest = runs[0]!
    const cli = await buildCli()
    const shown = await runCli(cli, ['show', latest.id, '--url', server.url])
    expect(shown.code, shown.stderr).toBe(0)
    // the previous run of version 1 is found, so the delta is a number, not "—"
    expect(shown.stdout).toMatch(/exact\s+1\.000\s+±0\.000/)
  })
})

describe.each(DIALECTS)('a database written by the release before, on %s', (dialect) => {
  const dbs = useDatabases(dialect)

  test('is migrated: item ids, dataset versions, suite versions and runs follow the one identity', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/store-legacy/evalgate-0.x.db', import.meta.url))
    let location: string
    if (dialect === 'sqlite') {
      location = join(dir, 'legacy.db')
      copyFileSync(fixture, location)
    } else {
      // the same rows in a PostgreSQL database at the previous release's schema
      location = await dbs.next()
      await copyLegacyRows(fixture, location)
    }
    const legacy = await startServer({ db: location })
    try {
      await expectMigrated(legacy.url)
    } finally {
      await legacy.close()
    }
  })
})

/** Creates the previous release's schema (migration 0001) in PostgreSQL and copies every row of the SQLite fixture. */
async function copyLegacyRows(sqliteFile: string, pgUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: pgUrl, max: 1 })
  // biome-ignore lint/suspicious/noExplicitAny: rows are copied table by table, untyped
  const target = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
  const source = new BetterSqlite3(sqliteFile, { readonly: true })
  try {
    const migrator = new Migrator({
      db: target,
      provider: migrationProvider,
      migrationTableName: 'evalgate_migrations',
      migrationLockTableName: 'evalgate_migrations_lock',
    })
    const { error } = await migrator.migrateTo('0001_initial')
    if (error) throw error
    const tables = ['projects', 'datasets', 'dataset_items', 'dataset_versions', 'metrics', 'suites']
    tables.push('suite_versions', 'runs', 'run_items', 'scores')
    for (const table of tables) {
      const rows = source.prepare(`select * from ${table}`).all() as Record<string, unknown>[]
      if (rows.length > 0) await target.insertInto(table).values(rows).execute()
    }
  } finally {
    source.close()
    await target.destroy()
  }
}

async function expectMigrated(url: string): Promise<void> {
  const api = createClient({ url, retries: 0 }).api
  const listed = (await http(url).get('/api/v1/datasets')).body.datasets as Array<{
    id: string
    name: string
  }>
  const ds = await api.datasets.get(listed.find((d) => d.name === 'capitals-server')!.id)
  const items = (await api.datasets.listItems(ds.id, { page: 1, perPage: 10 })).items
  expect(items.map((i) => i.id)).toEqual([
    itemId({ input: 'France', expected: 'Paris' }),
    itemId({ input: 'Japan', expected: 'Tokyo' }),
    'explicit-1',
  ])
  // the server dataset's version is now the client's version of the same items
  const inline = await dataset
    .inline('x', [
      { input: 'France', expected: 'Paris', tags: ['eu'] },
      { input: 'Japan', expected: 'Tokyo', metadata: { region: 'asia' } },
      { id: 'explicit-1', input: 'Peru', expected: 'Lima' },
    ])
    .load()
  expect(ds.contentHash).toBe(inline.version)
  expect(ds.contentHash).toBe((await serverDataset(ds.id, { api }).load()).version)

  // runs over the server dataset and over the same items inline now name items alike,
  // so compare matches them item by item
  const { runs } = await api.runs.list({ limit: 50 })
  expect(runs).toHaveLength(4)
  const serverRun = runs.find((r) => r.suiteName === 'capitals-server')!
  const inlineRun = runs.find((r) => r.suiteName === 'capitals-inline')!
  const idsOf = async (id: string) =>
    (await api.runs.results(id, { perPage: 10 })).items.map((i) => i.itemId).sort()
  expect(await idsOf(serverRun.id)).toEqual(await idsOf(inlineRun.id))
  expect(await idsOf(serverRun.id)).toEqual(inline.items.map((i) => i.id).sort())
  const compared = await api.runs.compare(inlineRun.id, serverRun.id)
  expect(compared.items.every((i) => i.basePassed !== null && i.headPassed !== null)).toBe(true)
  // every stored run now carries its verdict
  for (const run of runs) expect(run.summary.verdict.passed).toBe(true)
  // the old counter versions 1 and 3 are one definition: its next run gets the old version 1
  const { suite } = await api.runs.createOrJoin({
    suite: { ...(await suiteDefOf(api, inlineRun.suiteId, 3)), name: 'capitals-inline' },
  })
  expect(suite.version).toBe(1)
}

async function suiteDefOf(api: EvalgateClient['api'], suiteId: string, version: number) {
  const res = await fetch(`${api.url}/api/v1/suites/${suiteId}?version=${version}`)
  const s = (await res.json()) as Suite
  return {
    name: s.name,
    dataset: { name: s.datasetName, version: s.datasetVersion, size: s.datasetSize },
    turnType: s.turnType,
    metrics: s.metrics,
    star: s.star,
    gate: s.gate,
  }
}
