import type { EvalgateApi } from '../src/client/api.js'
import { describeApiError, EvalgateApiError } from '../src/client/errors.js'
import { DEFAULT_EVALUATION_TIMEOUT_MS, seconds, waitForEvaluation } from '../src/client/evaluation.js'
import type { Outbox } from '../src/client/outbox.js'
import type { Run } from '../src/schema/api.js'
import type { Gate } from '../src/schema/gate.js'
import type { ItemResult, SuiteDef } from '../src/schema/meta.js'
import { terminalText } from '../src/util/terminal-text.js'
import { withGateDefaults } from './gate-defaults.js'
import type { RunGroup } from './run-group.js'
import { suiteKey } from './suite-key.js'

/** Largest upload request when items are waiting (the server accepts up to 5,000 per batch). */
const MAX_BATCH = 2_000

/** How the session reaches the server. Throws (an EvalgateApiError or any Error) when it cannot. */
export type ApiProvider = () => Promise<{
  api: EvalgateApi
  urlSource: string
  keySource?: string | undefined
}>

export interface UploadSessionOptions {
  api: ApiProvider
  outbox: Outbox
  runGroup: RunGroup
  gateDefaults?: Gate | null | undefined
  /** Items per upload request. */
  batchSize: number
  /** Most items one suite may hold in memory before `add` waits for the upload to catch up. */
  maxBufferedItems: number
  origin?: string
  /** Prints one line (errors and notices). */
  log: (line: string) => void
  /** How long to wait for the server's evaluators after finalizing (default 10 minutes). */
  evaluationTimeoutMs?: number
}

/** One suite's run within a session. */
export interface SuiteRunState {
  key: string
  name: string
  suite: SuiteDef
  runId: string | null
  /** Items received from tests. */
  received: number
  /** Eval tests that Vitest marked failed. */
  failedTests: number
  uploaded: number
  spooled: number
  outboxFile: string | null
  /** First upload error: from then on this suite's items go to the outbox. */
  error: string | null
}

interface SuiteRun extends SuiteRunState {
  buffer: ItemResult[]
  pumping: Promise<void> | null
  creating: Promise<string> | null
}

export interface SuiteResult {
  state: SuiteRunState
  /** The finalized run as fetched from the server; null when the suite is offline. */
  run: Run | null
  previous: Run | null
}

/**
 * The upload side of one test run: groups item results by suite, creates or joins one server run
 * per suite, streams items in batches while tests run (bounded memory, each item handled once),
 * and spools to the outbox whatever the server does not accept. `finish` flushes, finalizes and
 * fetches every run.
 */
export class UploadSession {
  private readonly suites = new Map<string, SuiteRun>()
  /** Key of the last suite definition seen, per raw definition object (skips re-hashing). */
  private readonly keyCache = new WeakMap<object, string>()
  /** Set when the server is unreachable (or rejects our key): every suite is spooled from then on. */
  private offline: string | null = null
  private readonly origin: string
  private spoolFailures = 0

  constructor(private readonly options: UploadSessionOptions) {
    this.origin = options.origin ?? 'vitest'
  }

  get runGroup(): RunGroup {
    return this.options.runGroup
  }

  get serverError(): string | null {
    return this.offline
  }

  /** Items that could not even be written to the outbox (disk errors). */
  get lostItems(): number {
    return this.spoolFailures
  }

  /** Adds one item result. Resolves at once unless the suite's buffer is full (backpressure). */
  add(suite: SuiteDef, item: ItemResult, testFailed: boolean): Promise<void> | undefined {
    const run = this.suiteRun(suite)
    run.received++
    if (testFailed) run.failedTests++
    run.buffer.push(item)
    if (run.buffer.length >= this.options.batchSize) {
      const pumping = this.pump(run)
      if (run.buffer.length >= this.options.maxBufferedItems) return pumping
    }
    return undefined
  }

  /** Uploads whatever is buffered (called on a timer while tests run). */
  tick(): void {
    for (const run of this.suites.values()) if (run.buffer.length > 0 && !run.pumping) void this.pump(run)
  }

  states(): SuiteRunState[] {
    return [...this.suites.values()]
  }

  /**
   * Flushes every suite, finalizes each run and fetches it (with the previous run of the same
   * suite version, for deltas). Never throws: failures are recorded on the suite.
   */
  async finish(outcome: 'completed' | 'cancelled' = 'completed'): Promise<SuiteResult[]> {
    const runs = [...this.suites.values()]
    const started = performance.now()
    this.timings.pendingAtEnd = runs.reduce((n, run) => n + run.buffer.length, 0)
    await Promise.all(runs.map((run) => this.pump(run)))
    const flushed = performance.now()
    this.timings.flushMs = flushed - started
    const results = await Promise.all(runs.map((run) => this.finishOne(run, outcome)))
    this.timings.finalizeMs = performance.now() - flushed
    return results
  }

  /** Where the end of the run spends its time (printed with EVALGATE_DEBUG=timing). */
  readonly timings = { pendingAtEnd: 0, flushMs: 0, finalizeMs: 0, requests: 0 }

  private async finishOne(run: SuiteRun, outcome: 'completed' | 'cancelled'): Promise<SuiteResult> {
    if (run.error || this.offline || run.runId === null) {
      this.markForUpload(run)
      return { state: run, run: null, previous: null }
    }
    try {
      const { api } = await this.options.api()
      const fetched = await this.awaitEvaluation(api, await api.runs.finalize(run.runId, { outcome }))
      const previous = await this.previousRun(api, fetched)
      return { state: run, run: fetched, previous }
    } catch (error) {
      await this.fail(run, error)
      this.markForUpload(run)
      return { state: run, run: null, previous: null }
    }
  }

  /**
   * Waits for the server's evaluators on the run, saying so; past the timeout the run keeps its
   * pending verdict (which fails the suite) and a line says why.
   */
  private async awaitEvaluation(api: EvalgateApi, run: Run): Promise<Run> {
    const suite = terminalText(run.suiteName)
    if (run.evaluationStatus === 'running') {
      const timeoutMs = this.options.evaluationTimeoutMs ?? DEFAULT_EVALUATION_TIMEOUT_MS
      this.options.log(
        `evalgate: waiting for the server's evaluators on ${suite} (timeout ${seconds(timeoutMs)}, EVALGATE_EVALUATION_TIMEOUT_MS)`,
      )
      const waited = await waitForEvaluation(api, run, { timeoutMs })
      if (waited.timedOut) {
        this.options.log(
          `evalgate: ${suite}: server-side evaluation did not finish within ${seconds(timeoutMs)} (evaluationStatus still running): its verdict is pending, so it fails`,
        )
      }
      run = waited.run
    }
    if (run.evaluationStatus === 'failed')
      this.options.log(
        `evalgate: ${suite}: some server-side scores could not be computed (evaluationStatus failed; each score keeps its error)`,
      )
    return run
  }

  private async previousRun(api: EvalgateApi, run: Run): Promise<Run | null> {
    try {
      const { runs } = await api.runs.list({
        suiteName: run.suiteName,
        suiteVersion: run.suiteVersion,
        limit: 10,
      })
      return (
        runs.find((r) => r.id !== run.id && r.runGroup !== run.runGroup && r.createdAt <= run.createdAt) ??
        null
      )
    } catch {
      return null // deltas are a nicety; the run itself was fetched
    }
  }

  /** Records the run in the outbox (header only, if no items are there yet) so `evalgate upload` finalizes it. */
  private markForUpload(run: SuiteRun): void {
    this.spool(run, [])
  }

  private suiteRun(suite: SuiteDef): SuiteRun {
    let key = this.keyCache.get(suite)
    if (key === undefined) {
      key = suiteKey(suite)
      this.keyCache.set(suite, key)
    }
    let run = this.suites.get(key)
    if (!run) {
      run = {
        key,
        name: suite.name,
        suite: withGateDefaults(suite, this.options.gateDefaults),
        runId: null,
        received: 0,
        failedTests: 0,
        uploaded: 0,
        spooled: 0,
        outboxFile: null,
        error: null,
        buffer: [],
        pumping: null,
        creating: null,
      }
      this.suites.set(key, run)
    }
    return run
  }

  private pump(run: SuiteRun): Promise<void> {
    if (run.pumping) return run.pumping
    run.pumping = (async () => {
      while (run.buffer.length > 0) {
        // A backlog (fast tests, or the end of the run) goes in fewer, larger requests.
        const size = run.buffer.length > 2 * this.options.batchSize ? MAX_BATCH : this.options.batchSize
        let batch: ItemResult[]
        if (run.buffer.length <= size) {
          batch = run.buffer
          run.buffer = []
        } else {
          batch = run.buffer.splice(0, size)
        }
        await this.send(run, batch)
      }
    })().finally(() => {
      run.pumping = null
    })
    return run.pumping
  }

  private async send(run: SuiteRun, batch: ItemResult[]): Promise<void> {
    if (run.error || this.offline) {
      this.spool(run, batch)
      return
    }
    try {
      const runId = await this.ensureRun(run)
      const { api } = await this.options.api()
      await api.runs.addItems(runId, batch)
      this.timings.requests++
      run.uploaded += batch.length
    } catch (error) {
      await this.fail(run, error)
      this.spool(run, batch)
    }
  }

  private ensureRun(run: SuiteRun): Promise<string> {
    if (run.runId) return Promise.resolve(run.runId)
    run.creating ??= (async () => {
      const { api } = await this.options.api()
      const created = await api.runs.createOrJoin({
        suite: run.suite,
        runGroup: this.options.runGroup.id,
        origin: this.origin,
      })
      run.runId = created.run.id
      return created.run.id
    })()
    // A failed creation is retried by the next batch only if the suite is not marked failed.
    return run.creating.catch((error: unknown) => {
      run.creating = null
      throw error
    })
  }

  private async fail(run: SuiteRun, error: unknown): Promise<void> {
    let message: string
    if (error instanceof EvalgateApiError) {
      let sources: { urlSource?: string; keySource?: string } = {}
      try {
        const provided = await this.options.api()
        sources = {
          urlSource: provided.urlSource,
          ...(provided.keySource ? { keySource: provided.keySource } : {}),
        }
      } catch {
        // the provider itself failed; describe the error without sources
      }
      message = describeApiError(error, sources)
      if (error.isServerWide && !this.offline) {
        this.offline = message
        this.options.log(`evalgate: ${message}`)
      }
    } else {
      message = error instanceof Error ? error.message : String(error)
      if (!this.offline) {
        this.offline = message
        this.options.log(`evalgate: ${message}`)
      }
    }
    if (!run.error) {
      run.error = message
      if (this.offline !== message) this.options.log(`evalgate: suite ${run.name}: ${message}`)
    }
  }

  private spool(run: SuiteRun, batch: ItemResult[]): void {
    try {
      run.outboxFile = this.options.outbox.append(
        {
          runGroup: this.options.runGroup.id,
          suite: run.suite,
          origin: this.origin,
          reason: run.error ?? this.offline ?? undefined,
        },
        batch,
      )
      run.spooled += batch.length
    } catch (error) {
      this.spoolFailures += batch.length
      this.options.log(
        `evalgate: could not write ${batch.length} items of ${run.name} to the outbox ${this.options.outbox.dir}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
}
