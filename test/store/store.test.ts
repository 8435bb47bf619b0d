import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { ItemResultSchema, SuiteDefSchema } from '../../src/schema/meta.js'
import { createServices, NotFoundError, type Services } from '../../src/server/service/index.js'
import { openStore, type Store } from '../../src/store/open.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

const items = (...xs: Parameters<typeof itemResult>[]) =>
  xs.map((x) => ItemResultSchema.parse(itemResult(...x)))
const def = (o: Parameters<typeof suiteDef>[0] = {}) => SuiteDefSchema.parse(suiteDef(o))

describe.each(DIALECTS)('store on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  const open: Store[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  async function fresh(
    location?: string,
  ): Promise<{ services: Services; store: Store; location: string; projectId: string }> {
    const loc = location ?? (await dbs.next())
    const store = await openStore(loc)
    open.push(store)
    const services = createServices(store)
    const projectId = (await services.projects.ensureDefault()).id
    return { services, store, location: loc, projectId }
  }

  test('migrations run at open and are idempotent; the dialect is detected', async () => {
    const a = await fresh()
    expect(a.store.dialect).toBe(dialect)
    await a.store.close()
    open.splice(open.indexOf(a.store), 1)
    const b = await fresh(a.location)
    expect((await b.services.projects.list()).map((p) => p.name)).toEqual(['default'])
  })

  test('several stores opening one new database at once all migrate it', async () => {
    const loc = await dbs.next()
    const stores = await Promise.all([openStore(loc), openStore(loc), openStore(loc)])
    open.push(...stores)
    const ids = await Promise.all(stores.map((s) => createServices(s).projects.ensureDefault()))
    expect(new Set(ids.map((p) => p.id)).size).toBe(1)
  })

  test('API keys are stored hashed and select their project', async () => {
    const { services, store } = await fresh()
    const acme = await services.projects.create('acme')
    const key = await services.projects.createKey(acme.id)
    expect(key.key.startsWith(key.prefix)).toBe(true)
    const stored = await store.db.selectFrom('api_keys').selectAll().execute()
    expect(stored).toHaveLength(1)
    expect(stored[0]!.key_hash).not.toContain(key.key)
    expect(JSON.stringify(stored)).not.toContain(key.key)
    expect(await services.projects.authenticate(key.key)).toBe(acme.id)
    expect(await services.projects.authenticate(`${key.key}x`)).toBeUndefined()
    await expect(services.projects.create('acme')).rejects.toMatchObject({ status: 409 })
  })

  test('datasets: single and bulk add, a version per content change, verbatim values', async () => {
    const { services, projectId } = await fresh()
    const ds = await services.datasets.create(projectId, { name: "x'; drop table datasets; --", tags: ['a'] })
    expect(ds.version).toBe(0)
    const nasty = `Robert'); DROP TABLE run_items;-- "quoted" \\ back ${'\u0000'.length} % _ ;`
    const one = await services.datasets.addItems(projectId, ds.id, [
      { id: 'q1', input: nasty, expected: null, tags: [], metadata: {} },
    ])
    expect(one.dataset.version).toBe(1)
    const bulk = await services.datasets.addItems(projectId, ds.id, [
      { input: { a: 1 }, tags: ['t'], metadata: { k: 'v' } },
      { input: { a: 2 }, expected: 'two', tags: [], metadata: {} },
    ])
    expect(bulk.dataset.version).toBe(2)
    expect(bulk.dataset.itemCount).toBe(3)
    // identical content: no new version
    const again = await services.datasets.addItems(projectId, ds.id, [
      { input: { a: 1 }, tags: ['t'], metadata: { k: 'v' } },
    ])
    expect(again.dataset.version).toBe(2)
    expect(again.dataset.contentHash).toBe(bulk.dataset.contentHash)
    // replacing an item keeps its position and makes a version
    const replaced = await services.datasets.addItems(projectId, ds.id, [
      { id: 'q1', input: 'changed', tags: [], metadata: {} },
    ])
    expect(replaced.dataset.version).toBe(3)
    const page = await services.datasets.listItems(projectId, ds.id, 1, 10)
    expect(page.items.map((i) => i.input)).toEqual(['changed', { a: 1 }, { a: 2 }])
    expect(page.items[0]).not.toHaveProperty('expected')
    expect(page.items[2]!.expected).toBe('two')
    expect(await services.datasets.hasExpected(projectId, ds.id)).toBe(true)
    const versions = await services.datasets.listVersions(projectId, ds.id)
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1])
    // JSON null expected is kept as null, distinct from absent; SQL metacharacters verbatim
    const v1 = await services.datasets.addItems(projectId, ds.id, [
      { id: 'n', input: nasty, expected: null, tags: [], metadata: {} },
    ])
    expect(v1.items[0]!.expected).toBeNull()
    const all = await services.datasets.listItems(projectId, ds.id, 1, 10)
    expect(all.items.find((i) => i.id === 'n')!.input).toBe(nasty)
    expect((await services.datasets.get(projectId, ds.id)).name).toBe("x'; drop table datasets; --")
  })

  test('suites: upsert by name, new version only when the definition changes', async () => {
    const { services, projectId } = await fresh()
    const s1 = await services.suites.upsert(projectId, def())
    expect(s1.version).toBe(1)
    expect((await services.suites.upsert(projectId, def())).version).toBe(1)
    expect((await services.suites.upsert(projectId, def({ description: 'new words' }))).version).toBe(1)
    const s2 = await services.suites.upsert(projectId, def({ gate: { passRate: 0.9 } }))
    expect(s2.id).toBe(s1.id)
    expect(s2.version).toBe(2)
    const s3 = await services.suites.upsert(
      projectId,
      def({ gate: { passRate: 0.9 }, dataset: { name: 'faq-data', version: 'v2', size: 10 } }),
    )
    expect(s3.version).toBe(3)
    const s4 = await services.suites.upsert(
      projectId,
      def({
        gate: { passRate: 0.9 },
        dataset: { name: 'faq-data', version: 'v2', size: 10 },
        star: { metric: 'accuracy' },
      }),
    )
    expect(s4.version).toBe(4)
    expect((await services.suites.get(projectId, s1.id, 2)).gate).toEqual({ passRate: 0.9 })
    expect((await services.suites.get(projectId, s1.id, 1)).gate).toBeNull()
    expect((await services.suites.listVersions(projectId, s1.id)).map((s) => s.version)).toEqual([4, 3, 2, 1])
    // content-addressed: a definition seen before gets its old version back, and the next new one
    // continues after the highest
    const back = await services.suites.upsert(projectId, def({ gate: { passRate: 0.9 } }))
    expect(back.version).toBe(2)
    expect((await services.suites.upsert(projectId, def())).version).toBe(1)
    expect((await services.suites.upsert(projectId, def({ gate: { passRate: 0.5 } }))).version).toBe(5)
    expect((await services.suites.listVersions(projectId, s1.id)).map((s) => s.version)).toEqual([
      5, 4, 3, 2, 1,
    ])
    const metrics = await services.metrics.list(projectId)
    expect(metrics.map((m) => m.name)).toEqual(['accuracy', 'toxicity'])
    const all = await services.metrics.upsertAll(projectId, [
      { ...metrics[0]!, threshold: 0.7 },
      {
        name: 'brand-new',
        scoreType: 'boolean',
        valueType: 'number',
        rangeMin: 0,
        rangeMax: 1,
        inverted: false,
        threshold: 1,
      },
    ])
    expect(all.map((m) => [m.name, m.threshold])).toEqual([
      ['accuracy', 0.7],
      ['brand-new', 1],
      ['toxicity', 0.2],
    ])
    expect(all.find((m) => m.name === 'accuracy')!.id).toBe(metrics[0]!.id)
    // the service checks the suite-definition rules too (definitions built from parts skip the schema)
    const unchecked = { ...def(), star: { metric: 'nope' } }
    await expect(services.suites.upsert(projectId, unchecked)).rejects.toMatchObject({
      status: 400,
      path: 'star.metric',
      message:
        'star names the metric "nope", which is not one of the suite\'s metrics ("accuracy", "toxicity")',
    })
  })

  test('suites from parts (Gradient test-case shape): dataset id + metric ids + star', async () => {
    const { services, projectId } = await fresh()
    const ds = await services.datasets.create(projectId, { name: 'rows' })
    await services.datasets.addItems(projectId, ds.id, [{ input: 'a', tags: [], metadata: {} }])
    const acc = await services.metrics.upsert(projectId, {
      name: 'acc',
      scoreType: 'numerical',
      valueType: 'percentage',
      rangeMin: 0,
      rangeMax: 1,
      inverted: false,
      threshold: 0.5,
    })
    const suite = await services.suites.createFromParts(projectId, {
      name: 'tc',
      datasetId: ds.id,
      metricIds: [acc.id],
      star: { metric: 'acc', successThresholdPct: 80 },
    })
    expect(suite).toMatchObject({ version: 1, datasetId: ds.id, datasetName: 'rows', datasetSize: 1 })
    expect(suite.metrics.map((m) => m.name)).toEqual(['acc'])
    await expect(
      services.suites.createFromParts(projectId, { name: 'tc', datasetId: ds.id, metricIds: [acc.id] }),
    ).rejects.toMatchObject({ status: 409 })
    await expect(
      services.suites.createFromParts(projectId, { name: 'tc2', datasetId: 'nope', metricIds: [acc.id] }),
    ).rejects.toBeInstanceOf(NotFoundError)
    const same = await services.suites.updateFromParts(projectId, suite.id, { description: 'd' })
    expect(same.version).toBe(1)
    const updated = await services.suites.updateFromParts(projectId, suite.id, {
      star: { metric: 'acc', successThreshold: 0.7 },
    })
    expect(updated.version).toBe(2)
    expect(updated.star).toEqual({ metric: 'acc', successThreshold: 0.7 })
    expect(updated.datasetId).toBe(ds.id)
  })

  test('runs: create or join by (run group, suite, version); re-sent batches never duplicate', async () => {
    const { services, projectId, store } = await fresh()
    const a = await services.runs.createOrJoin(projectId, { suite: def(), runGroup: 'g1', origin: 'vitest' })
    const b = await services.runs.createOrJoin(projectId, { suite: def(), runGroup: 'g1', origin: 'vitest' })
    expect(a.joined).toBe(false)
    expect(b.joined).toBe(true)
    expect(b.run.id).toBe(a.run.id)
    const c = await services.runs.createOrJoin(projectId, { suite: def(), origin: 'vitest' })
    expect(c.run.id).not.toBe(a.run.id)
    expect(a.run.status).toBe('queued')

    const runId = a.run.id
    expect(await services.runs.addItems(projectId, runId, items([0], [1], [2]))).toEqual({
      accepted: 3,
      inserted: 3,
    })
    expect((await services.runs.get(projectId, runId)).status).toBe('running')
    // re-send with changed fields and a new item: replaces, never duplicates, keeps ordinals
    const resent = items([1, { output: 'second try', metadata: { retry: true } }, 0.1], [3])
    resent[0]!.scores = [resent[0]!.scores[0]!]
    expect(await services.runs.addItems(projectId, runId, resent)).toEqual({ accepted: 2, inserted: 1 })
    const res = await services.runs.results(projectId, runId, { page: 1, perPage: 10 })
    expect(res.total).toBe(4)
    expect(res.items.map((i) => [i.itemId, i.ordinal])).toEqual([
      ['item-0', 1],
      ['item-1', 2],
      ['item-2', 3],
      ['item-3', 4],
    ])
    const item1 = res.items[1]!
    expect(item1.output).toBe('second try')
    expect(item1.metadata).toEqual({ retry: true })
    expect(item1.scores).toHaveLength(1)
    expect(item1.scores[0]!.score).toBe(0.1)
    const scoreRows = await store.db
      .selectFrom('scores')
      .select('ordinal')
      .where('run_id', '=', runId)
      .execute()
    expect(scoreRows).toHaveLength(2 + 1 + 2 + 2)
    // the same key twice in one batch: last wins
    const dup = items([5, { output: 'first' }], [5, { output: 'last' }])
    expect(await services.runs.addItems(projectId, runId, dup)).toEqual({ accepted: 2, inserted: 1 })
    const page = await services.runs.results(projectId, runId, { page: 1, perPage: 100 })
    expect(page.items.find((i) => i.itemId === 'item-5' && i.trial === 0)?.output).toBe('last')
    // trials are distinct items
    expect(await services.runs.addItems(projectId, runId, items([5, { trial: 1 }]))).toEqual({
      accepted: 1,
      inserted: 1,
    })
    expect((await services.runs.get(projectId, runId)).summary.totalItems).toBe(6)
  })

  test('concurrent create-or-join of one run group: one run, one creator', async () => {
    const { services, projectId } = await fresh()
    const forward = def({ name: 'sharded' })
    const reversed = { ...forward, metrics: [...forward.metrics].reverse() }
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        services.runs.createOrJoin(projectId, {
          suite: i % 2 === 0 ? forward : reversed,
          runGroup: 'g-concurrent',
          origin: 'vitest',
        }),
      ),
    )
    // the order of metrics is not part of the definition: one version, one run, one creator
    expect(new Set(results.map((r) => r.suite.version))).toEqual(new Set([1]))
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1)
    expect(results.filter((r) => !r.joined)).toHaveLength(1)
    expect((await services.suites.findByName(projectId, 'sharded'))!.totalRuns).toBe(1)
  })

  test('a failing batch leaves nothing half-written', async () => {
    const { services, projectId, store } = await fresh()
    const { run } = await services.runs.createOrJoin(projectId, { suite: def(), origin: 'vitest' })
    await services.runs.addItems(projectId, run.id, items([0]))
    const bad = items([1], [2])
    // bypasses HTTP validation on purpose: a NOT NULL column gets null in the scores insert
    ;(bad[1]!.scores[1] as { durationMs: unknown }).durationMs = null
    await expect(services.runs.addItems(projectId, run.id, bad)).rejects.toThrow()
    const count = await store.db
      .selectFrom('run_items')
      .select('item_id')
      .where('run_id', '=', run.id)
      .execute()
    expect(count.map((c) => c.item_id)).toEqual(['item-0'])
    expect(
      await store.db.selectFrom('scores').select('metric').where('run_id', '=', run.id).execute(),
    ).toHaveLength(2)
  })

  test('concurrent batches into one run: exact counts, unique ordinals', async () => {
    // one store: on PostgreSQL its pool runs the batches on parallel connections; SQLite
    // serializes writers (several processes are covered by the server tests)
    const { services, projectId } = await fresh()
    const clients = [{ services, projectId }]
    const { run } = await services.runs.createOrJoin(projectId, {
      suite: def(),
      runGroup: 'shards',
      origin: 'vitest',
    })
    const batches: ReturnType<typeof items>[] = []
    for (let b = 0; b < 12; b++) {
      // overlapping keys: batch b covers items [b*40, b*40+60)
      const xs: Parameters<typeof itemResult>[] = []
      for (let i = b * 40; i < b * 40 + 60; i++) xs.push([i])
      batches.push(items(...xs))
    }
    await Promise.all(
      batches.map((batch, i) => {
        const c = clients[i % clients.length]!
        return c.services.runs.addItems(c.projectId, run.id, batch)
      }),
    )
    const expected = 11 * 40 + 60
    const res = await services.runs.results(projectId, run.id, { page: 1, perPage: 1000 })
    expect(res.total).toBe(expected)
    expect(new Set(res.items.map((i) => i.itemId)).size).toBe(expected)
    expect(res.items.map((i) => i.ordinal)).toEqual(Array.from({ length: expected }, (_, i) => i + 1))
    expect(res.items.every((i) => i.scores.length === 2)).toBe(true)
    expect((await services.runs.get(projectId, run.id)).summary.totalItems).toBe(expected)
  })

  test('finalize: summary, status, evaluation status; late items refresh the summary', async () => {
    const { services, projectId } = await fresh()
    const { run } = await services.runs.createOrJoin(projectId, {
      suite: def({ gate: { passRate: 0.75 }, star: { metric: 'accuracy', successThreshold: 0.6 } }),
      origin: 'vitest',
    })
    await services.runs.addItems(projectId, run.id, items([0], [1], [2], [3, {}, 0.2]))
    const before = await services.runs.get(projectId, run.id)
    expect(before.summary.passStatus).toBeNull()
    expect(before.evaluationStatus).toBe('pending')
    const fin = await services.runs.finalize(projectId, run.id, { outcome: 'completed' })
    expect(fin.status).toBe('succeeded')
    expect(fin.evaluationStatus).toBe('completed')
    expect(fin.summary).toMatchObject({
      totalItems: 4,
      passedItems: 3,
      failedItems: 1,
      passStatus: true,
      passRule: 'gate',
    })
    expect(fin.finishedAt).not.toBeNull()
    // idempotent
    const again = await services.runs.finalize(projectId, run.id, { outcome: 'completed' })
    expect(again.summary).toEqual(fin.summary)
    // a late shard adds failing and errored items: the summary, status and verdict follow
    await services.runs.addItems(
      projectId,
      run.id,
      items(
        [4, {}, 0.1],
        [
          5,
          {
            status: 'failed',
            passed: false,
            output: null,
            error: { name: 'Error', message: 'boom' },
            scores: [],
          },
        ],
      ),
    )
    const late = await services.runs.get(projectId, run.id)
    expect(late.summary.totalItems).toBe(6)
    expect(late.summary.erroredItems).toBe(1)
    expect(late.status).toBe('partially_succeeded')
    expect(late.evaluationStatus).toBe('completed')
    expect(late.summary.passRule).toBe('gate:passRate')
    const errored = await services.runs.results(projectId, run.id, {
      page: 1,
      perPage: 10,
      status: 'errored',
    })
    expect(errored.total).toBe(1)
    expect(errored.items[0]!.error).toEqual({ name: 'Error', message: 'boom' })
    const failed = await services.runs.results(projectId, run.id, { page: 1, perPage: 10, status: 'failed' })
    expect(failed.items.map((i) => i.itemId)).toEqual(['item-3', 'item-4'])
    // a finished run cannot be cancelled; a cancelled run accepts no more items (run-status.ts)
    await expect(services.runs.finalize(projectId, run.id, { outcome: 'cancelled' })).rejects.toMatchObject({
      status: 409,
      currentStatus: 'partially_succeeded',
    })
    const { run: other } = await services.runs.createOrJoin(projectId, { suite: def(), origin: 'vitest' })
    await services.runs.finalize(projectId, other.id, { outcome: 'cancelled' })
    await expect(services.runs.addItems(projectId, other.id, items([9]))).rejects.toMatchObject({
      status: 409,
      currentStatus: 'cancelled',
    })
  })

  test('a run is judged by the suite version it pinned, not by later versions', async () => {
    const { services, projectId } = await fresh()
    const { run } = await services.runs.createOrJoin(projectId, {
      suite: def({ gate: { passRate: 0.5 } }),
      runGroup: 'pinned',
      origin: 'vitest',
    })
    await services.runs.addItems(projectId, run.id, items([0], [1, {}, 0.1]))
    const strict = await services.suites.upsert(projectId, def({ gate: { passRate: 0.9 } }))
    expect(strict.version).toBe(2)
    const fin = await services.runs.finalize(projectId, run.id, { outcome: 'completed' })
    expect(fin.suiteVersion).toBe(1)
    expect(fin.datasetVersion).toBe('v1hash')
    expect(fin.summary.gate!.checks[0]).toMatchObject({ condition: 'passRate', expected: 0.5, passed: true })
    expect(fin.evaluationStatus).toBe('completed')
    // joining the same group with the new definition is another run (the new version's)
    const v2 = await services.runs.createOrJoin(projectId, {
      suite: def({ gate: { passRate: 0.9 } }),
      runGroup: 'pinned',
      origin: 'vitest',
    })
    expect(v2.joined).toBe(false)
    expect(v2.run.suiteVersion).toBe(2)
  })

  test('list runs by suite, version and group; compare two runs', async () => {
    const { services, projectId } = await fresh()
    const r1 = await services.runs.createOrJoin(projectId, { suite: def(), runGroup: 'g1', origin: 'vitest' })
    await services.runs.addItems(projectId, r1.run.id, items([0], [1, {}, 0.2], [2]))
    await services.runs.finalize(projectId, r1.run.id, { outcome: 'completed' })
    const r2 = await services.runs.createOrJoin(projectId, {
      suite: def({ gate: { passRate: 0.5 } }),
      runGroup: 'g2',
      origin: 'vitest',
    })
    await services.runs.addItems(projectId, r2.run.id, items([0, {}, 0.3], [1, {}, 0.8], [3]))
    await services.runs.finalize(projectId, r2.run.id, { outcome: 'completed' })
    expect(r2.suite.version).toBe(2)
    const all = await services.runs.listBySuite(projectId, r1.suite.id)
    expect(all.map((r) => r.id).sort()).toEqual([r1.run.id, r2.run.id].sort())
    expect((await services.runs.listBySuite(projectId, r1.suite.id, 1)).map((r) => r.id)).toEqual([r1.run.id])
    expect((await services.runs.list(projectId, { runGroup: 'g2', limit: 10 })).map((r) => r.id)).toEqual([
      r2.run.id,
    ])
    expect(
      (await services.runs.list(projectId, { suiteName: 'faq', suiteVersion: 2, limit: 10 })).map(
        (r) => r.id,
      ),
    ).toEqual([r2.run.id])
    expect((await services.suites.get(projectId, r1.suite.id)).totalRuns).toBe(2)

    const cmp = await services.runs.compare(projectId, r2.run.id, r1.run.id)
    expect(cmp.newFailures).toEqual([{ itemId: 'item-0', trial: 0 }])
    expect(cmp.fixed).toEqual([{ itemId: 'item-1', trial: 0 }])
    const i0 = cmp.items.find((i) => i.itemId === 'item-0')!
    expect(i0.deltas.accuracy).toBeCloseTo(0.3 - 0.9)
    expect(cmp.items.find((i) => i.itemId === 'item-3')).toMatchObject({ basePassed: null, headPassed: true })
    expect(cmp.items.find((i) => i.itemId === 'item-2')).toMatchObject({ basePassed: true, headPassed: null })
    const acc = cmp.metrics.find((m) => m.name === 'accuracy')!
    expect(acc.delta).toBeCloseTo((0.3 + 0.8 + 0.9) / 3 - (0.9 + 0.2 + 0.9) / 3)
  })

  test('every read is scoped to its project', async () => {
    const { services, projectId } = await fresh()
    const other = (await services.projects.create('other')).id
    const { run, suite } = await services.runs.createOrJoin(projectId, { suite: def(), origin: 'vitest' })
    const ds = await services.datasets.create(projectId, { name: 'd' })
    await expect(services.runs.get(other, run.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(services.runs.addItems(other, run.id, items([0]))).rejects.toBeInstanceOf(NotFoundError)
    await expect(services.runs.finalize(other, run.id, { outcome: 'completed' })).rejects.toBeInstanceOf(
      NotFoundError,
    )
    await expect(services.suites.get(other, suite.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(services.datasets.get(other, ds.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(
      services.datasets.addItems(other, ds.id, [{ input: 1, tags: [], metadata: {} }]),
    ).rejects.toBeInstanceOf(NotFoundError)
    expect(await services.runs.list(other, { limit: 10 })).toEqual([])
    expect(await services.suites.list(other)).toEqual([])
    // same suite name in another project is another suite
    const theirs = await services.suites.upsert(other, def())
    expect(theirs.id).not.toBe(suite.id)
  })

  // Finding 1: NUL gave a 500 on PostgreSQL (and lone surrogates became U+FFFD on both).
  test('every string round-trips exactly: NUL, lone surrogates, the codec escape itself', async () => {
    const { services, projectId } = await fresh()
    const odd = [
      'nul\u0000x',
      'lone\ud800high',
      'lone\udc00low',
      'esc\uffff0041',
      'pair😀ok',
      '\u0000',
    ] as const
    const [nul, lone, , esc] = odd
    const name = `suite ${odd.join('|')}`
    const suite = def({
      name,
      metrics: [{ name: `m${nul}`, threshold: 0.5 }],
    })
    const group = `group${nul}${lone}`
    const { run } = await services.runs.createOrJoin(projectId, { suite, runGroup: group, origin: 'vitest' })
    expect(run.suiteName).toBe(name)
    const batch = odd.map((text, i) =>
      ItemResultSchema.parse(
        itemResult(i, {
          itemId: `id-${text}`,
          output: text,
          error: { name: 'Error', message: text },
          tags: [text],
          metadata: { [text]: text },
          scores: [
            {
              metric: `m${nul}`,
              score: 1,
              passed: true,
              threshold: 0.5,
              inverted: false,
              durationMs: 1,
              reason: text,
              error: text,
            },
          ],
        }),
      ),
    )
    expect(await services.runs.addItems(projectId, run.id, batch)).toEqual({
      accepted: odd.length,
      inserted: odd.length,
    })
    // the stored ids are found again: re-sending replaces, never duplicates
    expect(await services.runs.addItems(projectId, run.id, batch)).toEqual({
      accepted: odd.length,
      inserted: 0,
    })
    const fin = await services.runs.finalize(projectId, run.id, {
      outcome: 'failed',
      errorDescription: odd.join(''),
    })
    expect(fin.errorDescription).toBe(odd.join(''))
    const res = await services.runs.results(projectId, run.id, { page: 1, perPage: 50 })
    for (const [i, text] of odd.entries()) {
      const item = res.items.find((it) => it.index === i)!
      expect(item.itemId).toBe(`id-${text}`)
      expect(item.output).toBe(text)
      expect(item.error).toEqual({ name: 'Error', message: text })
      expect(item.tags).toEqual([text])
      expect(item.metadata).toEqual({ [text]: text })
      expect(item.scores[0]).toMatchObject({ metric: `m${nul}`, reason: text, error: text })
      expect((await services.runs.itemByKey(projectId, run.id, `id-${text}`, 0)).output).toBe(text)
    }
    expect(fin.summary.metrics.map((m) => m.name)).toEqual([`m${nul}`])
    const listed = await services.runs.list(projectId, { suiteName: name, runGroup: group, limit: 10 })
    expect(listed.map((r) => r.id)).toEqual([run.id])
    expect(await services.runs.list(projectId, { suiteName: 'a\u0000', limit: 10 })).toEqual([])
    const ds = await services.datasets.create(projectId, { name: `ds${nul}`, description: lone })
    await services.datasets.addItems(projectId, ds.id, [
      { id: `row${nul}`, input: lone, expected: nul, tags: [esc], metadata: {} },
    ])
    expect(await services.datasets.get(projectId, ds.id)).toMatchObject({
      name: `ds${nul}`,
      description: lone,
    })
    const rows = await services.datasets.listItems(projectId, ds.id, 1, 10)
    expect(rows.items[0]).toMatchObject({
      id: `row${odd[0]}`,
      input: odd[1],
      expected: odd[0],
      tags: [odd[3]],
    })
  })
})

describe('store on a SQLite file: the write-ahead log stays small', () => {
  test('ingest checkpoints as it goes; the WAL holds about 1 MiB at most, and close removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalgate-wal-'))
    const file = join(dir, 'wal.db')
    try {
      const store = await openStore(file)
      const services = createServices(store)
      const projectId = (await services.projects.ensureDefault()).id
      const { run } = await services.runs.createOrJoin(projectId, {
        suite: def(),
        runGroup: 'wal',
        origin: 'vitest',
      })
      // ~6 MB of run items in batches of ~300 kB, as the reporter uploads them
      const padding = 'x'.repeat(2_000)
      let largestWal = 0
      for (let b = 0; b < 20; b++) {
        const batch = items(...Array.from({ length: 100 }, (_, k) => [b * 100 + k] as [number]))
        for (const item of batch) item.output = padding
        await services.runs.addItems(projectId, run.id, batch)
        largestWal = Math.max(largestWal, statSync(`${file}-wal`).size)
      }
      expect(statSync(file).size).toBeGreaterThan(4_000_000)
      expect(largestWal).toBeLessThan(2 * 1024 * 1024)
      await store.close()
      expect(existsSync(`${file}-wal`)).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('store on a SQLite file another process holds', () => {
  test('switching to WAL waits while a reader holds the file (SQLite answers busy without waiting)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalgate-busy-'))
    const file = join(dir, 'held.db')
    // A file still in rollback-journal mode, as a second process sees a new file the first one is
    // creating: the reader's shared lock makes the WAL switch answer SQLITE_BUSY at once.
    const reader = new BetterSqlite3(file)
    reader.exec('create table t (x); insert into t values (1)')
    reader.exec('begin')
    reader.prepare('select x from t').get()
    const released = new Promise<void>((r) =>
      setTimeout(() => {
        reader.exec('commit')
        r()
      }, 150),
    )
    try {
      const store = await openStore(file)
      await released
      expect(store.sqlite?.pragma('journal_mode', { simple: true })).toBe('wal')
      expect((await createServices(store).projects.ensureDefault()).name).toBe('default')
      await store.close()
    } finally {
      await released
      reader.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
