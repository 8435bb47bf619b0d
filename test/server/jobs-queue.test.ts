import { afterEach, describe, expect, test } from 'vitest'
import { type Job, JobQueue, type JobQueueOptions, PermanentJobError } from '../../src/server/jobs/index.js'
import { ProjectService } from '../../src/server/service/projects.js'
import { openStore, type Store } from '../../src/store/open.js'
import { claimJobs } from '../../src/store/repos/jobs.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

const finished = (q: JobQueue, id: string) =>
  until(`job ${id} to finish`, async () => {
    const j = await q.get(id)
    return j && ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined
  })

describe.each(DIALECTS)('job queue on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  const stores: Store[] = []
  const queues: JobQueue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()))
    await Promise.all(stores.splice(0).map((s) => s.close()))
  })

  async function database(): Promise<{ location: string; projectId: string }> {
    const location = await dbs.next()
    const store = await openStore(location)
    stores.push(store)
    const projectId = (await new ProjectService(store).ensureDefault()).id
    return { location, projectId }
  }

  async function queueOn(location: string, opts: JobQueueOptions = {}): Promise<JobQueue> {
    const store = await openStore(location)
    stores.push(store)
    const q = new JobQueue(store, { pollMs: 25, leaseMs: 600, retryBaseMs: 20, stopGraceMs: 2000, ...opts })
    queues.push(q)
    return q
  }

  test('runs an enqueued job once and stores its result; a key makes enqueueing idempotent', async () => {
    const { location, projectId } = await database()
    const q = await queueOn(location)
    const seen: unknown[] = []
    q.register<{ n: number }>('double', async (p, { job }) => {
      seen.push(p)
      expect(job.leaseOwner).toBe(q.owner)
      return { doubled: p.n * 2 }
    })
    q.start()
    const a = await q.enqueue(projectId, 'double', { n: 21 }, { key: 'k1', subject: 'run-1' })
    const again = await q.enqueue(projectId, 'double', { n: 99 }, { key: 'k1' })
    expect(again.id).toBe(a.id)
    const done = await finished(q, a.id)
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { doubled: 42 },
      leaseOwner: null,
      subject: 'run-1',
    })
    expect(done.finishedAt).not.toBeNull()
    expect(seen).toEqual([{ n: 21 }])
    expect(await q.counts('run-1')).toEqual({ succeeded: 1 })
  })

  test('retries with backoff up to maxAttempts, then fails for good and calls onFailed once', async () => {
    const { location, projectId } = await database()
    const q = await queueOn(location)
    const attempts: number[] = []
    const failed: Array<[string, string]> = []
    q.register('flaky', async (_p, { job }) => {
      attempts.push(job.attempts)
      if (job.attempts < 3) throw new Error(`boom ${job.attempts}`)
      return 'ok'
    })
    q.register(
      'broken',
      async () => {
        throw new Error('always broken')
      },
      { maxAttempts: 2, onFailed: (job, error) => void failed.push([job.id, error]) },
    )
    q.register('refused', async () => {
      throw new PermanentJobError('bad payload: field x')
    })
    q.start()
    const flaky = await q.enqueue(projectId, 'flaky', {})
    const broken = await q.enqueue(projectId, 'broken', {})
    const refused = await q.enqueue(projectId, 'refused', {})
    expect(await finished(q, flaky.id)).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      lastError: 'boom 2',
    })
    expect(attempts).toEqual([1, 2, 3])
    const b = await finished(q, broken.id)
    expect(b).toMatchObject({ status: 'failed', attempts: 2, maxAttempts: 2, lastError: 'always broken' })
    await until('onFailed', async () => failed.length > 0)
    expect(failed).toEqual([[broken.id, 'always broken']])
    expect(await finished(q, refused.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'bad payload: field x',
    })
  })

  test('bounds concurrency per process and per kind', async () => {
    const { location, projectId } = await database()
    const q = await queueOn(location, { concurrency: 3 })
    let running = 0
    let peak = 0
    let slowRunning = 0
    let slowPeak = 0
    q.register('work', async () => {
      peak = Math.max(peak, ++running)
      await sleep(30)
      running--
    })
    q.register(
      'slow',
      async () => {
        peak = Math.max(peak, ++running)
        slowPeak = Math.max(slowPeak, ++slowRunning)
        await sleep(30)
        slowRunning--
        running--
      },
      { concurrency: 1 },
    )
    const jobs: Job[] = []
    for (let i = 0; i < 12; i++) jobs.push(await q.enqueue(projectId, i % 3 === 0 ? 'slow' : 'work', { i }))
    q.start()
    for (const j of jobs) expect((await finished(q, j.id)).status).toBe('succeeded')
    expect(peak).toBe(3)
    expect(slowPeak).toBe(1)
  })

  test('two queues on one database run every job exactly once', async () => {
    const { location, projectId } = await database()
    const a = await queueOn(location, { concurrency: 4 })
    const b = await queueOn(location, { concurrency: 4 })
    const runs = new Map<number, string[]>()
    for (const q of [a, b])
      q.register<{ i: number }>('count', async ({ i }) => {
        runs.set(i, [...(runs.get(i) ?? []), q.owner])
        await sleep(20)
      })
    const jobs: Job[] = []
    for (let i = 0; i < 60; i++) jobs.push(await a.enqueue(projectId, 'count', { i }, { subject: 's' }))
    a.start()
    b.start()
    await until('all jobs', async () => (await a.counts('s')).succeeded === 60)
    expect([...runs.keys()].sort((x, y) => x - y)).toEqual([...Array(60).keys()])
    for (const owners of runs.values()) expect(owners).toHaveLength(1)
    const byOwner = new Set([...runs.values()].flat())
    expect(byOwner.size).toBe(2)
  })

  test('a job whose server died is taken over once its lease lapses', async () => {
    const { location, projectId } = await database()
    const q = await queueOn(location)
    const ran: Job[] = []
    q.register('takeover', async (_p, { job }) => {
      ran.push(job)
      return 'done'
    })
    const job = await q.enqueue(projectId, 'takeover', {})
    // a server claims it and dies: nothing renews its lease
    const store = stores[stores.length - 1]!
    const t0 = Date.now()
    const [claimed] = await claimJobs(store.db, store.dialect, {
      kinds: ['takeover'],
      owner: 'dead-server',
      now: new Date(t0).toISOString(),
      leaseExpiresAt: new Date(t0 + 400).toISOString(),
      limit: 1,
    })
    expect(claimed?.id).toBe(job.id)
    q.start()
    await sleep(150)
    expect(ran).toHaveLength(0)
    const done = await finished(q, job.id)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400)
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: 'done' })
    expect(ran[0]?.leaseOwner).toBe(q.owner)
  })

  test('a server whose clock runs ahead takes over no live lease, and one whose clock lags runs due jobs', async () => {
    const { location, projectId } = await database()
    const runs: string[] = []
    let release!: () => void
    const released = new Promise<void>((r) => {
      release = r
    })
    const handler = (name: string) => async () => {
      runs.push(name)
      await released
      return name
    }
    const a = await queueOn(location)
    a.register('long', handler('a'))
    const job = await a.enqueue(projectId, 'long', {})
    a.start()
    await until('server A to run the job', async () => runs.length > 0)
    // Server B's clock is 10 minutes ahead: on its own clock, A's lease (600 ms, renewed every
    // 200 ms) lapsed long ago. On the database's clock it is live.
    const b = await queueOn(location, { localClock: () => Date.now() + 10 * 60_000 })
    b.register('long', handler('b'))
    b.start()
    await sleep(1500)
    expect(runs).toEqual(['a'])
    release()
    expect(await finished(a, job.id)).toMatchObject({ status: 'succeeded', attempts: 1, result: 'a' })
    // Server C's clock is 10 minutes behind: a job enqueued on A is due on the database's clock,
    // and C runs it at once rather than 10 minutes later.
    await a.stop()
    await b.stop()
    const c = await queueOn(location, { localClock: () => Date.now() - 10 * 60_000 })
    c.register('short', async () => 'c')
    const later = await a.enqueue(projectId, 'short', {})
    c.start()
    expect(await finished(c, later.id)).toMatchObject({ status: 'succeeded', result: 'c' })
  })

  test('a job enqueued by a server whose clock runs ahead, before it started, is due at once on the database clock', async () => {
    const { location, projectId } = await database()
    const ahead = await queueOn(location, { localClock: () => Date.now() + 10 * 60_000 })
    const store = stores[stores.length - 1]!
    // never started: no clock measurement but the one enqueue makes; the second inside a transaction
    // (on SQLite it holds the only connection, so the measurement must go through it)
    const first = await ahead.enqueue(projectId, 'short', { n: 1 })
    const second = await store.db
      .transaction()
      .execute((trx) => ahead.enqueue(projectId, 'short', { n: 2 }, { db: trx }))
    for (const job of [first, second]) {
      expect(Math.abs(Date.parse(job.runAfter) - Date.now())).toBeLessThan(60_000)
      expect(Math.abs(Date.parse(job.createdAt) - Date.now())).toBeLessThan(60_000)
    }
    const q = await queueOn(location)
    q.register('short', async (p: { n: number }) => p.n)
    q.start()
    expect(await finished(q, first.id)).toMatchObject({ status: 'succeeded', result: 1 })
    expect(await finished(q, second.id)).toMatchObject({ status: 'succeeded', result: 2 })
  })

  test('a job whose leases lapse more than maxAttempts times fails naming why', async () => {
    const { location, projectId } = await database()
    const q = await queueOn(location)
    q.register('doomed', async () => 'never', { maxAttempts: 1 })
    const job = await q.enqueue(projectId, 'doomed', {})
    const store = stores[stores.length - 1]!
    const now = Date.now()
    await claimJobs(store.db, store.dialect, {
      kinds: ['doomed'],
      owner: 'dead-server',
      now: new Date(now).toISOString(),
      leaseExpiresAt: new Date(now + 50).toISOString(),
      limit: 1,
    })
    q.start()
    const done = await finished(q, job.id)
    expect(done.status).toBe('failed')
    expect(done.lastError).toMatch(/gave up after 1 attempts .*lease lapsed/)
  })

  test('lease renewal keeps a long job with its server; cancel aborts its signal', async () => {
    const { location, projectId } = await database()
    const a = await queueOn(location, { leaseMs: 200 })
    const b = await queueOn(location, { leaseMs: 200 })
    const owners: string[] = []
    let aborted: unknown
    for (const q of [a, b])
      q.register('long', async (_p, { signal }) => {
        owners.push(q.owner)
        await new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason
            resolve()
          })
        })
        return 'ignored'
      })
    a.start()
    const job = await a.enqueue(projectId, 'long', {})
    await until('claim', async () => owners.length === 1)
    b.start()
    await sleep(700) // several lease lengths: renewals keep it
    expect(owners).toHaveLength(1)
    expect(await a.cancel({ id: job.id })).toBe(1)
    await until('abort', async () => aborted !== undefined)
    expect(String(aborted)).toMatch(/no longer this server/)
    const j = await a.get(job.id)
    expect(j).toMatchObject({ status: 'cancelled', result: undefined })
  })

  test('timeoutMs aborts a run and counts it as a failed attempt', async () => {
    const { location, projectId } = await database()
    const q = await queueOn(location)
    q.register(
      'stuck',
      (_p, { signal }) =>
        new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { timeoutMs: 50, maxAttempts: 2 },
    )
    q.start()
    const job = await q.enqueue(projectId, 'stuck', {})
    expect(await finished(q, job.id)).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'timed out after 50 ms',
    })
  })

  test('stop() lets in-flight jobs finish; past the grace period it gives them back for another server', async () => {
    const { location, projectId } = await database()
    const a = await queueOn(location, { stopGraceMs: 100 })
    const b = await queueOn(location)
    let quickDone = false
    a.register('quick', async () => {
      await sleep(30)
      quickDone = true
    })
    const ranOn: string[] = []
    for (const q of [a, b])
      q.register('stubborn', async (_p, { signal }) => {
        ranOn.push(q.owner)
        if (q === a) await new Promise((r) => signal.addEventListener('abort', r))
        return q.owner
      })
    a.start()
    const quick = await a.enqueue(projectId, 'quick', {})
    const stubborn = await a.enqueue(projectId, 'stubborn', {})
    await until(
      'both claimed',
      async () => a.running().length === 2 || (quickDone && a.running().length === 1),
    )
    await a.stop()
    expect(quickDone).toBe(true)
    expect((await a.get(quick.id))?.status).toBe('succeeded')
    const released = await a.get(stubborn.id)
    expect(released).toMatchObject({ status: 'queued', attempts: 0, leaseOwner: null })
    b.start()
    expect(await finished(b, stubborn.id)).toMatchObject({
      status: 'succeeded',
      result: b.owner,
      attempts: 1,
    })
    expect(ranOn).toEqual([a.owner, b.owner])
  })

  test('finished jobs are pruned once past their retention; unfinished ones never', async () => {
    const { location, projectId } = await database()
    const q = await queueOn(location, { retainFinishedMs: 60_000 })
    q.register('tiny', async () => 'ok')
    const done = await q.enqueue(projectId, 'tiny', {})
    const waiting = await q.enqueue(projectId, 'other-kind', {})
    q.start()
    await finished(q, done.id)
    expect(await q.prune()).toBe(0)
    const store = stores[stores.length - 1]!
    const longAgo = new Date(Date.now() - 120_000).toISOString()
    await store.db.updateTable('jobs').set({ finished_at: longAgo, created_at: longAgo }).execute()
    expect(await q.prune()).toBe(1)
    expect(await q.get(done.id)).toBeUndefined()
    expect((await q.get(waiting.id))?.status).toBe('queued')
  })
})
