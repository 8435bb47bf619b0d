import { hostname } from 'node:os'
import type { Executor } from '../../store/bulk.js'
import { databaseNowMs } from '../../store/clock.js'
import type { Store } from '../../store/open.js'
import {
  cancelJobs,
  claimJobs,
  countJobsByStatus,
  deleteFinishedJobs,
  findJob,
  insertJobIfAbsent,
  type JobFilter,
  type JobRow,
  type JobStatus,
  listJobs,
  renewLease,
  settleJob,
} from '../../store/repos/jobs.js'
import { nodeCrypto } from '../../util/builtins.js'

const { randomUUID } = nodeCrypto

export type { JobStatus } from '../../store/repos/jobs.js'

/** A job as handlers and callers see it (payload and result parsed). */
export interface Job<P = unknown> {
  id: string
  kind: string
  projectId: string
  key: string | null
  subject: string | null
  payload: P
  status: JobStatus
  attempts: number
  maxAttempts: number
  leaseOwner: string | null
  leaseExpiresAt: string | null
  runAfter: string
  lastError: string | null
  result: unknown
  createdAt: string
  updatedAt: string
  finishedAt: string | null
}

export interface JobContext<P = unknown> {
  job: Job<P>
  /**
   * Aborted when this process no longer owns the job: the lease was lost (it lapsed and another
   * server took the job, or the job was cancelled) or the queue is stopping past its grace period.
   * Whatever the handler does after that is not recorded as the job's outcome.
   */
  signal: AbortSignal
  queue: JobQueue
}

export type JobHandler<P = unknown> = (payload: P, ctx: JobContext<P>) => unknown

export interface JobHandlerOptions<P = unknown> {
  /** Claims before the job fails for good (a claim whose lease lapsed counts). Default 5. */
  maxAttempts?: number
  /** Jobs of this kind this process runs at once (within the queue's concurrency). Default: no cap. */
  concurrency?: number
  /** A run taking longer is aborted (its signal) and counts as a failed attempt. Default: none. */
  timeoutMs?: number
  /**
   * Called once when a job of this kind fails for good (attempts exhausted, PermanentJobError, or
   * given up after lapsed leases), after the failure is stored; on whichever server decided it.
   */
  onFailed?: (job: Job<P>, error: string, queue: JobQueue) => unknown
  /**
   * Called after a job of this kind is stored as finished (`succeeded` or `failed`, not on a retry),
   * on the server that finished it: the place to act on "all jobs of a subject are done", since
   * inside the handler the job itself still counts as running.
   */
  onSettled?: (job: Job<P>, status: 'succeeded' | 'failed', queue: JobQueue) => unknown
}

export interface EnqueueOptions {
  /** Identifies this piece of work forever among jobs of its kind: enqueueing it again returns the existing job. */
  key?: string
  /** What the job works on (a run id …): jobs are counted and cancelled by subject. */
  subject?: string
  /** Not before this many ms from now. */
  delayMs?: number
  /** Default: the handler's maxAttempts when registered in this process, else 5. */
  maxAttempts?: number
  /** Enqueue inside the caller's transaction: the job exists exactly when the caller's writes commit. */
  db?: Executor
}

export interface JobQueueOptions {
  /** This process's name in leases. Default `<hostname>:<pid>:<random>`. */
  owner?: string
  /** Jobs this process runs at once, all kinds together. Default 4. */
  concurrency?: number
  /** How long a claim stays valid without renewal; renewed every third of it. Default 30 s. */
  leaseMs?: number
  /** How often an idle queue looks for due jobs (jobs enqueued in this process start at once). Default 1 s. */
  pollMs?: number
  /** Retry backoff: `min(base × 2^(attempt−1), max)` plus up to 20% jitter. Defaults 1 s and 60 s. */
  retryBaseMs?: number
  retryMaxMs?: number
  /** stop(): how long in-flight jobs may take to finish before they are aborted and released. Default 10 s. */
  stopGraceMs?: number
  /** Where operational problems go (a failed poll, a failed job). Default: nowhere. */
  log?: (message: string) => void
  /** Finished jobs are deleted this long after they finished (checked at start and hourly). Default 7 days. */
  retainFinishedMs?: number
  /** This process's clock (tests skew it); the queue corrects it to the database's. Default `Date.now`. */
  localClock?: () => number
}

/** How often the offset between this process's clock and the database's is measured again. */
const CLOCK_SYNC_MS = 60_000

/** Thrown by a handler: the job fails now, without retries. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PermanentJobError'
  }
}

const DEFAULT_MAX_ATTEMPTS = 5

interface Registered {
  handler: JobHandler<unknown>
  options: JobHandlerOptions<unknown>
}

interface InFlight {
  job: Job
  controller: AbortController
  done: Promise<void>
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    projectId: row.project_id,
    key: row.job_key,
    subject: row.subject,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    runAfter: row.run_after,
    lastError: row.last_error,
    result: row.result === null ? undefined : (JSON.parse(row.result) as unknown),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The database-backed job queue (see README.md here). Every server process on a database runs
 * one: jobs are rows, claims are leases, so the process keeps nothing between requests except the
 * handlers it is running. Timestamps (leases, due times) are on the database's clock: each process
 * measures its own clock's offset from it at start and every minute, so servers sharing a database
 * need not have their clocks in sync.
 */
export class JobQueue {
  readonly owner: string
  private readonly concurrency: number
  private readonly leaseMs: number
  private readonly pollMs: number
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number
  private readonly stopGraceMs: number
  private readonly log: (message: string) => void
  private readonly retainFinishedMs: number
  private pruneTimer: NodeJS.Timeout | undefined
  private readonly handlers = new Map<string, Registered>()
  private readonly inFlight = new Map<string, InFlight>()
  private started = false
  private stopping = false
  private polling = false
  private pollAgain = false
  private timer: NodeJS.Timeout | undefined
  private renewTimer: NodeJS.Timeout | undefined
  private kindCursor = 0
  private stopped: Promise<void> | undefined
  private readonly localClock: () => number
  /** Database clock minus local clock (ms), measured by syncClock. */
  private clockOffsetMs = 0
  /** Set once start() measured the offset: no claim is made on the local clock alone. */
  private clockKnown = false
  /** Set once a measurement succeeded: until then every enqueue measures the offset first. */
  private clockMeasured = false
  private clockTimer: NodeJS.Timeout | undefined

  constructor(
    readonly store: Store,
    opts: JobQueueOptions = {},
  ) {
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    this.concurrency = Math.max(1, opts.concurrency ?? 4)
    this.leaseMs = Math.max(50, opts.leaseMs ?? 30_000)
    this.pollMs = Math.max(10, opts.pollMs ?? 1000)
    this.retryBaseMs = opts.retryBaseMs ?? 1000
    this.retryMaxMs = opts.retryMaxMs ?? 60_000
    this.stopGraceMs = opts.stopGraceMs ?? 10_000
    this.log = opts.log ?? (() => {})
    this.retainFinishedMs = opts.retainFinishedMs ?? 7 * 24 * 3600_000
    this.localClock = opts.localClock ?? Date.now
  }

  /** Now on the database's clock, as far as this process knows it. */
  private now(): number {
    return this.localClock() + this.clockOffsetMs
  }

  /**
   * Measures the database clock's offset from this process's clock (half the round trip is the
   * error, milliseconds against leases of seconds). On failure the last offset stays in use.
   */
  private async syncClock(db?: Executor): Promise<void> {
    try {
      const before = this.localClock()
      const database = await databaseNowMs(this.store, db)
      const after = this.localClock()
      this.clockOffsetMs = database - (before + after) / 2
      this.clockMeasured = true
    } catch (err) {
      this.log(`job queue: could not read the database's clock: ${errorText(err)}`)
    }
  }

  /** Registers the handler of a kind (once per kind). Only registered kinds are claimed by this process. */
  register<P>(kind: string, handler: JobHandler<P>, options: JobHandlerOptions<P> = {}): void {
    if (this.handlers.has(kind)) throw new Error(`a job handler for kind "${kind}" is already registered`)
    this.handlers.set(kind, {
      handler: handler as JobHandler<unknown>,
      options: options as JobHandlerOptions<unknown>,
    })
    if (this.started) this.wake()
  }

  /** Stores a job; any server on the database with a handler for its kind may run it. */
  async enqueue<P>(projectId: string, kind: string, payload: P, opts: EnqueueOptions = {}): Promise<Job<P>> {
    // A job stamped on a local clock that runs ahead would not be due on the database's clock
    // until the skew has passed: measure it first (through the caller's transaction, if any).
    if (!this.clockMeasured) await this.syncClock(opts.db)
    const now = this.now()
    const row = await insertJobIfAbsent(opts.db ?? this.store.db, {
      id: randomUUID(),
      kind,
      project_id: projectId,
      job_key: opts.key ?? null,
      subject: opts.subject ?? null,
      payload: JSON.stringify(payload ?? null),
      status: 'queued',
      attempts: 0,
      max_attempts: Math.max(
        1,
        opts.maxAttempts ?? this.handlers.get(kind)?.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      ),
      lease_owner: null,
      lease_expires_at: null,
      run_after: iso(now + Math.max(0, opts.delayMs ?? 0)),
      last_error: null,
      result: null,
      created_at: iso(now),
      updated_at: iso(now),
      finished_at: null,
    })
    // inside a caller's transaction the row is not visible to the claim yet: the poll finds it
    if (opts.db === undefined) this.wake()
    return toJob(row) as Job<P>
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await findJob(this.store.db, id)
    return row ? toJob(row) : undefined
  }

  async list(filter: JobFilter): Promise<Job[]> {
    return (await listJobs(this.store.db, filter)).map(toJob)
  }

  /** Jobs of a subject by status (of one kind when given). */
  async counts(subject: string, kind?: string): Promise<Partial<Record<JobStatus, number>>> {
    return countJobsByStatus(this.store.db, subject, kind)
  }

  /** Cancels a queued or running job (a running handler's signal aborts at its next lease renewal). */
  async cancel(target: { id: string } | { subject: string; kind?: string }): Promise<number> {
    const n = await cancelJobs(this.store.db, target, iso(this.now()))
    if (n > 0) void this.renewLeases()
    return n
  }

  /** Starts claiming jobs of the registered kinds. */
  start(): void {
    if (this.started || this.stopping) return
    this.started = true
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(10, Math.floor(this.leaseMs / 3)))
    this.renewTimer.unref()
    const prune = () =>
      void this.prune().catch((err) => this.log(`job queue: pruning finished jobs failed: ${errorText(err)}`))
    this.pruneTimer = setInterval(prune, 3600_000)
    this.pruneTimer.unref()
    this.clockTimer = setInterval(() => void this.syncClock(), CLOCK_SYNC_MS)
    this.clockTimer.unref()
    // The first claims wait for the clock: on a skewed local clock they would see live leases lapsed.
    void this.syncClock().then(() => {
      this.clockKnown = true
      prune()
      this.wake()
    })
  }

  /** Deletes jobs that finished more than `retainFinishedMs` ago; returns how many. */
  async prune(): Promise<number> {
    return deleteFinishedJobs(this.store.db, iso(this.now() - this.retainFinishedMs))
  }

  /**
   * Stops claiming; in-flight jobs get `stopGraceMs` to finish, then their signals abort and their
   * claims are given back (queued again, the attempt not counted) for another server to take.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true
      if (this.timer) clearTimeout(this.timer)
      const all = () => Promise.all([...this.inFlight.values()].map((f) => f.done))
      let graceTimer: NodeJS.Timeout | undefined
      const grace = new Promise<void>((r) => {
        graceTimer = setTimeout(r, this.stopGraceMs)
      })
      await Promise.race([all(), grace])
      clearTimeout(graceTimer)
      if (this.inFlight.size > 0) {
        const now = iso(this.now())
        for (const f of this.inFlight.values()) {
          f.controller.abort(new Error('the server is stopping'))
          await settleJob(this.store.db, f.job.id, this.owner, {
            status: 'queued',
            runAfter: now,
            uncountAttempt: true,
            now,
          }).catch((err) => this.log(`job ${f.job.id}: could not release it: ${errorText(err)}`))
        }
        // handlers that honour the signal end promptly; their outcome is no longer recorded
        await Promise.race([all(), new Promise((r) => setTimeout(r, 1000).unref())])
      }
      if (this.renewTimer) clearInterval(this.renewTimer)
      if (this.pruneTimer) clearInterval(this.pruneTimer)
      if (this.clockTimer) clearInterval(this.clockTimer)
    })()
    return this.stopped
  }

  /** Jobs this process is running now (ids). */
  running(): string[] {
    return [...this.inFlight.keys()]
  }

  /** Looks for due jobs now (instead of at the next poll). */
  wake(): void {
    if (!this.clockKnown || this.stopping) return
    if (this.polling) {
      this.pollAgain = true
      return
    }
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.poll(), 0)
    this.timer.unref()
  }

  private schedule(ms: number): void {
    if (this.stopping) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.poll(), ms)
    this.timer.unref()
  }

  private kindsWithRoom(): Array<{ kind: string; room: number }> {
    const running = new Map<string, number>()
    for (const f of this.inFlight.values()) running.set(f.job.kind, (running.get(f.job.kind) ?? 0) + 1)
    const out: Array<{ kind: string; room: number }> = []
    for (const [kind, r] of this.handlers) {
      const cap = r.options.concurrency ?? Number.POSITIVE_INFINITY
      const room = cap - (running.get(kind) ?? 0)
      if (room > 0) out.push({ kind, room })
    }
    return out
  }

  private async poll(): Promise<void> {
    if (this.stopping || this.polling) return
    this.polling = true
    this.pollAgain = false
    let claimedAll = false
    try {
      let free = this.concurrency - this.inFlight.size
      const kinds = this.kindsWithRoom()
      if (free > 0 && kinds.length > 0) {
        // kinds without a cap are claimed together; capped kinds one by one, rotating the start
        const uncapped = kinds.filter((k) => k.room === Number.POSITIVE_INFINITY).map((k) => k.kind)
        const capped = kinds.filter((k) => k.room !== Number.POSITIVE_INFINITY)
        const start = this.kindCursor++ % Math.max(1, capped.length)
        const order = [...capped.slice(start), ...capped.slice(0, start)]
        const requests: Array<{ kinds: string[]; limit: number }> = [
          ...order.map((k) => ({ kinds: [k.kind], limit: k.room })),
          ...(uncapped.length > 0 ? [{ kinds: uncapped, limit: free }] : []),
        ]
        let wanted = 0
        let got = 0
        for (const r of requests) {
          if (free <= 0 || this.stopping) break
          const limit = Math.min(r.limit, free)
          wanted += limit
          const now = this.now()
          const rows = await claimJobs(this.store.db, this.store.dialect, {
            kinds: r.kinds,
            owner: this.owner,
            now: iso(now),
            leaseExpiresAt: iso(now + this.leaseMs),
            limit,
          })
          got += rows.length
          free -= rows.length
          for (const row of rows) this.run(toJob(row))
        }
        claimedAll = wanted > 0 && got === wanted
      }
    } catch (err) {
      if (!this.stopping) this.log(`job queue: claiming failed: ${errorText(err)}`)
    } finally {
      this.polling = false
    }
    if (this.pollAgain || claimedAll) this.wake()
    else this.schedule(this.pollMs)
  }

  private run(job: Job): void {
    const controller = new AbortController()
    const entry: InFlight = { job, controller, done: Promise.resolve() }
    entry.done = this.execute(job, controller).finally(() => {
      this.inFlight.delete(job.id)
      this.wake()
    })
    this.inFlight.set(job.id, entry)
  }

  private async execute(job: Job, controller: AbortController): Promise<void> {
    const registered = this.handlers.get(job.kind)
    if (!registered) return // claims are limited to registered kinds
    if (job.attempts > job.maxAttempts) {
      // its earlier claims all lapsed: the servers running it died or hung
      const error = `gave up after ${job.maxAttempts} attempts${job.lastError ? `: ${job.lastError}` : ''} (the last claim's lease lapsed: its server stopped or hung)`
      await this.fail(job, registered, error)
      return
    }
    let result: unknown
    let timedOut = false
    const timeoutMs = registered.options.timeoutMs
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            controller.abort(new Error(`timed out after ${timeoutMs} ms`))
          }, timeoutMs)
    try {
      result = await registered.handler(job.payload, { job, signal: controller.signal, queue: this })
      if (timedOut) throw controller.signal.reason
    } catch (err) {
      if (controller.signal.aborted && !timedOut) return
      const error = timedOut ? `timed out after ${timeoutMs} ms` : errorText(err)
      if (err instanceof PermanentJobError || job.attempts >= job.maxAttempts) {
        await this.fail(job, registered, error)
        return
      }
      const delay = Math.min(this.retryBaseMs * 2 ** (job.attempts - 1), this.retryMaxMs)
      const now = this.now()
      this.log(`job ${job.id} (${job.kind}) attempt ${job.attempts} failed, retrying: ${error}`)
      await settleJob(this.store.db, job.id, this.owner, {
        status: 'queued',
        lastError: error,
        runAfter: iso(now + delay * (1 + Math.random() * 0.2)),
        now: iso(now),
      }).catch((e) => this.log(`job ${job.id}: could not store its failure: ${errorText(e)}`))
      return
    } finally {
      clearTimeout(timer)
    }
    if (controller.signal.aborted) return
    const stored = await settleJob(this.store.db, job.id, this.owner, {
      status: 'succeeded',
      result: result === undefined ? null : JSON.stringify(result),
      now: iso(this.now()),
    }).catch((e) => {
      this.log(`job ${job.id}: could not store its result: ${errorText(e)}`)
      return false
    })
    if (stored) await this.settled(job, registered, 'succeeded', { result })
  }

  private async settled(
    job: Job,
    registered: Registered,
    status: 'succeeded' | 'failed',
    patch: Partial<Job>,
  ): Promise<void> {
    if (!registered.options.onSettled) return
    try {
      await registered.options.onSettled({ ...job, ...patch, status }, status, this)
    } catch (err) {
      this.log(`job ${job.id}: its onSettled hook threw: ${errorText(err)}`)
    }
  }

  private async fail(job: Job, registered: Registered, error: string): Promise<void> {
    this.log(`job ${job.id} (${job.kind}) failed: ${error}`)
    const stored = await settleJob(this.store.db, job.id, this.owner, {
      status: 'failed',
      lastError: error,
      now: iso(this.now()),
    }).catch((e) => {
      this.log(`job ${job.id}: could not store its failure: ${errorText(e)}`)
      return false
    })
    if (!stored) return
    if (registered.options.onFailed) {
      try {
        await registered.options.onFailed({ ...job, status: 'failed', lastError: error }, error, this)
      } catch (err) {
        this.log(`job ${job.id}: its onFailed hook threw: ${errorText(err)}`)
      }
    }
    await this.settled(job, registered, 'failed', { lastError: error })
  }

  private async renewLeases(): Promise<void> {
    const now = this.now()
    for (const f of [...this.inFlight.values()]) {
      if (f.controller.signal.aborted) continue
      try {
        const held = await renewLease(this.store.db, f.job.id, this.owner, iso(now + this.leaseMs), iso(now))
        if (!held)
          f.controller.abort(new Error('the job is no longer this server’s (cancelled or taken over)'))
      } catch (err) {
        // the database is unreachable: keep running; the lease lapses if this persists
        this.log(`job ${f.job.id}: lease renewal failed: ${errorText(err)}`)
      }
    }
  }
}
