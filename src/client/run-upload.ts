/**
 * The one upload path for run items. The Vitest reporter (reporter/session.ts), `evalgate upload`
 * (replaying the outbox) and `runTestSuite` all create or join their run, send items in batches,
 * keep what the server did not take, and finalize through a {@link RunUpload}; every failure is
 * classified by {@link classifyUploadFailure}. Retrying a single request (connection errors,
 * timeouts, 5xx) is the transport's job (http.ts); what remains after its retries lands here.
 */
import type { CreateRunBody, Run } from '../schema/api.js'
import type { ItemResult, ItemResultInput } from '../schema/meta.js'
import type { EvalgateApi } from './api.js'
import { describeApiError, EvalgateApiError } from './errors.js'
import { type Outbox, OutboxError } from './outbox.js'

/** Largest upload request when items are waiting (the server accepts up to 5,000 per batch). */
export const MAX_BATCH = 2_000

/** How an upload reaches the server. Throws (an EvalgateApiError or any Error) when it cannot. */
export type ApiProvider = () => Promise<{
  api: EvalgateApi
  /** Where the URL came from (`EVALGATE_URL`, …), for messages. */
  urlSource?: string | undefined
  keySource?: string | undefined
}>

/**
 * What a failed upload request means:
 * - `unreachable`: the server as a whole is unusable for this client — no connection, the key is
 *   rejected, the URL is not an evalgate server, or it asks us to go away for now (429, 502, 503,
 *   504). Every upload stops and keeps its items (outbox) for `evalgate upload`.
 * - `refused`: the server refused this request's content (any other 4xx but 408): that run's
 *   items are kept aside; other runs go on.
 * - `failed`: the server failed on this request (500 and other 5xx, 408, an answer that does not
 *   fit the API): that run's items are kept for a later attempt; other runs go on.
 *
 * A 500 is `failed`, not `unreachable`: the transport has already retried it, so what reaches this
 * rule is a 500 that repeats for this request — a server bug hit by this run's data (as a NUL in
 * an item once was on PostgreSQL) more often than a server that is down, which answers 502/503/504
 * from its proxy or not at all. Stopping every suite for one suite's data would spool runs the
 * server would have taken.
 */
export type UploadFailureKind = 'unreachable' | 'refused' | 'failed'

export interface UploadFailure {
  kind: UploadFailureKind
  /** One line naming what is wrong and where (describeApiError, with the URL and key sources). */
  message: string
  error: unknown
}

/** The one rule that classifies a failed upload request (see {@link UploadFailureKind}). */
export function classifyUploadFailure(error: unknown): UploadFailureKind {
  if (error instanceof ConnectError) return 'unreachable'
  if (error instanceof OutboxError) return 'refused'
  if (!(error instanceof EvalgateApiError)) return 'failed'
  if (error.isConnectionError || error.isAuthError || error.code === 'INVALID_URL') return 'unreachable'
  if (error.code === 'route_not_found') return 'unreachable'
  if (error.status === 429 || error.status === 502 || error.status === 503 || error.status === 504)
    return 'unreachable'
  if (error.status >= 400 && error.status < 500 && error.status !== 408) return 'refused'
  return 'failed'
}

/** The provider itself failed: no client could be made (e.g. the embedded server did not start). */
class ConnectError extends Error {
  override readonly name = 'ConnectError'
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original), { cause: original })
  }
}

/**
 * The server as every run of one upload sees it: how to reach it, and whether it was found
 * unusable (then every run keeps its items instead of trying).
 */
export class Uplink {
  /** Set by the first `unreachable` failure. */
  offline: UploadFailure | null = null
  /** Item upload requests that succeeded. */
  requests = 0

  constructor(
    private readonly provider: ApiProvider,
    /** Prints one line per failure worth telling (the first server-wide one, each run's first). */
    readonly log: ((line: string) => void) | undefined = undefined,
  ) {}

  /** An uplink to one client. */
  static of(api: EvalgateApi, log?: (line: string) => void): Uplink {
    return new Uplink(async () => ({ api }), log)
  }

  async api(): Promise<EvalgateApi> {
    try {
      return (await this.provider()).api
    } catch (error) {
      throw new ConnectError(error)
    }
  }

  /** Classifies and describes a failure; the first `unreachable` one takes the uplink offline. */
  async failure(error: unknown): Promise<UploadFailure> {
    const original = error instanceof ConnectError ? error.original : error
    let sources: { urlSource?: string; keySource?: string } = {}
    if (original instanceof EvalgateApiError) {
      try {
        const provided = await this.provider()
        sources = {
          ...(provided.urlSource ? { urlSource: provided.urlSource } : {}),
          ...(provided.keySource ? { keySource: provided.keySource } : {}),
        }
      } catch {
        // the provider itself failed; describe the error without sources
      }
    }
    const failure: UploadFailure = {
      kind: classifyUploadFailure(error),
      message: describeApiError(original, sources),
      error: original,
    }
    if (failure.kind === 'unreachable' && !this.offline) {
      this.offline = failure
      this.log?.(`evalgate: ${failure.message}`)
    }
    return failure
  }
}

type FinalizeRunBody = NonNullable<Parameters<EvalgateApi['runs']['finalize']>[1]>

export interface RunUploadOptions {
  uplink: Uplink
  /** What creates or joins the run (suite definition, run group, origin, name). */
  run: CreateRunBody & { runGroup: string }
  /** Items per upload request while items stream in. */
  batchSize: number
  /**
   * Where items go that the server did not take (the reporter's outbox). Without one they are
   * counted in `undelivered` and the caller reports the failure.
   */
  outbox?: Outbox | undefined
}

/**
 * One run's upload: opens (creates or joins) the run on first need, streams buffered items in
 * batches (one request at a time, larger ones when a backlog builds up), and after the run's first
 * failure — or once the uplink is offline — spools everything else to the outbox. Each item is
 * sent or spooled exactly once.
 */
export class RunUpload {
  /** The created or joined run (as the server returned it on creation). */
  created: Run | null = null
  uploaded = 0
  spooled = 0
  /** Items neither uploaded nor spooled (no outbox, or the outbox could not be written). */
  undelivered = 0
  outboxFile: string | null = null
  /** This run's first failure: from then on its items are kept, not sent. */
  failure: UploadFailure | null = null
  private buffer: ItemResult[] = []
  private pumping: Promise<void> | null = null
  private opening: Promise<Run> | null = null

  constructor(private readonly options: RunUploadOptions) {}

  get runId(): string | null {
    return this.created?.id ?? null
  }

  get suiteName(): string {
    return this.options.run.suite.name
  }

  /** Items waiting to be sent. */
  get buffered(): number {
    return this.buffer.length
  }

  /** The failure that keeps this run's items from the server: its own, or the uplink's. */
  get stopped(): UploadFailure | null {
    return this.failure ?? this.options.uplink.offline
  }

  /**
   * Buffers one item; sends a batch once `batchSize` are waiting. Returns the pending upload when
   * `maxBuffered` items are waiting (the caller's backpressure), else undefined.
   */
  add(item: ItemResult, maxBuffered = Number.POSITIVE_INFINITY): Promise<void> | undefined {
    this.buffer.push(item)
    if (this.buffer.length >= this.options.batchSize) {
      const pumping = this.pump()
      if (this.buffer.length >= maxBuffered) return pumping
    }
    return undefined
  }

  /** Starts sending whatever is buffered (called on a timer while items stream in). */
  tick(): void {
    if (this.buffer.length > 0 && !this.pumping) void this.pump()
  }

  /** Sends (or spools) everything buffered. Never throws: a failure is recorded in `failure`. */
  flush(): Promise<void> {
    return this.pump()
  }

  /** Creates or joins the run (once). Throws after recording the failure. */
  open(): Promise<Run> {
    if (this.created) return Promise.resolve(this.created)
    this.opening ??= (async () => {
      const api = await this.options.uplink.api()
      const { run } = await api.runs.createOrJoin(this.options.run)
      this.created = run
      return run
    })()
    return this.opening.catch(async (error: unknown) => {
      this.opening = null // the next batch may try again, unless the run is marked failed
      await this.fail(error)
      throw error
    })
  }

  /**
   * Sends `items` now, in requests of at most MAX_BATCH. With `onRefused`, an item the server
   * refuses by name (a 400 at `items.<n>`) is handed to it (with its index in `items`) and the
   * rest sent again. Throws after recording any other failure.
   */
  async send(
    items: readonly ItemResultInput[],
    onRefused?: (index: number, error: EvalgateApiError) => void,
  ): Promise<void> {
    const runId = (await this.open()).id
    for (let start = 0; start < items.length; start += MAX_BATCH) {
      let pending = items.slice(start, start + MAX_BATCH)
      let indexes = pending.map((_, i) => start + i)
      while (pending.length > 0) {
        try {
          const api = await this.options.uplink.api()
          await api.runs.addItems(runId, pending)
          this.options.uplink.requests++
          this.uploaded += pending.length
          break
        } catch (error) {
          const at = onRefused ? refusedItem(error, pending.length) : null
          if (at === null) {
            await this.fail(error)
            throw error
          }
          onRefused!(indexes[at]!, error as EvalgateApiError)
          pending = pending.filter((_, i) => i !== at)
          indexes = indexes.filter((_, i) => i !== at)
        }
      }
    }
  }

  /** Finalizes the run (opening it first if no item opened it). Throws after recording the failure. */
  async finalize(body: FinalizeRunBody = {}): Promise<Run> {
    const runId = (await this.open()).id
    try {
      const api = await this.options.uplink.api()
      return await api.runs.finalize(runId, body)
    } catch (error) {
      await this.fail(error)
      throw error
    }
  }

  /**
   * Records the run in the outbox (its header alone, if no items are there yet) so that
   * `evalgate upload` creates, fills and finalizes it later.
   */
  keepForLater(): void {
    this.spool([])
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping
    this.pumping = (async () => {
      while (this.buffer.length > 0) {
        const size = this.buffer.length > 2 * this.options.batchSize ? MAX_BATCH : this.options.batchSize
        let batch: ItemResult[]
        if (this.buffer.length <= size) {
          batch = this.buffer
          this.buffer = []
        } else {
          batch = this.buffer.splice(0, size)
        }
        if (this.stopped) {
          this.spool(batch)
          continue
        }
        try {
          await this.send(batch)
        } catch {
          this.spool(batch) // the failure is recorded by send
        }
      }
    })().finally(() => {
      this.pumping = null
    })
    return this.pumping
  }

  private async fail(error: unknown): Promise<void> {
    const failure = await this.options.uplink.failure(error)
    if (this.failure) return
    this.failure = failure
    if (this.options.uplink.offline?.message !== failure.message)
      this.options.uplink.log?.(`evalgate: suite ${this.suiteName}: ${failure.message}`)
  }

  private spool(batch: readonly ItemResult[]): void {
    const { outbox, run } = this.options
    if (!outbox) {
      this.undelivered += batch.length
      return
    }
    try {
      this.outboxFile = outbox.append(
        {
          runGroup: run.runGroup,
          suite: run.suite,
          origin: run.origin ?? 'vitest',
          ...(run.name ? { name: run.name } : {}),
          reason: this.stopped?.message,
        },
        batch,
      )
      this.spooled += batch.length
    } catch (error) {
      this.undelivered += batch.length
      this.options.uplink.log?.(
        `evalgate: could not write ${batch.length} items of ${this.suiteName} to the outbox ${outbox.dir}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
}

/** The index of the one item a 400 names (`items.<n>…`), when the server refused a batch for it. */
function refusedItem(error: unknown, size: number): number | null {
  if (!(error instanceof EvalgateApiError) || error.status !== 400 || !error.path) return null
  const m = /^items\.(\d+)(\.|$)/.exec(error.path)
  if (!m) return null
  const at = Number(m[1])
  return at < size ? at : null
}
