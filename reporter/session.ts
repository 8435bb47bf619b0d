import { DEFAULT_EVALUATION_TIMEOUT_MS, seconds, waitForEvaluation } from '../src/client/evaluation.js'
import type { Outbox } from '../src/client/outbox.js'
import { type ApiProvider, RunUpload, Uplink } from '../src/client/run-upload.js'
import type { Run } from '../src/schema/api.js'
import type { Gate } from '../src/schema/gate.js'
import type { ItemResult, SuiteDef } from '../src/schema/meta.js'
import { terminalText } from '../src/util/terminal-text.js'
import { withGateDefaults } from './gate-defaults.js'
import type { RunGroup } from './run-group.js'
import { suiteKey } from './suite-key.js'

export type { ApiProvider } from '../src/client/run-upload.js'

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

/** A suite of the session: its counts from Vitest, and its upload (src/client/run-upload.ts). */
class SuiteRun implements SuiteRunState {
  received = 0
  failedTests = 0
  constructor(
    readonly key: string,
    readonly suite: SuiteDef,
    readonly upload: RunUpload,
  ) {}
  get name(): string {
    return this.suite.name
  }
  get runId(): string | null {
    return this.upload.runId
  }
  get uploaded(): number {
    return this.upload.uploaded
  }
  get spooled(): number {
    return this.upload.spooled
  }
  get outboxFile(): string | null {
    return this.upload.outboxFile
  }
  get error(): string | null {
    return this.upload.failure?.message ?? null
  }
}

export interface SuiteResult {
  state: SuiteRunState
  /** The finalized run as fetched from the server; null when the suite is offline. */
  run: Run | null
  previous: Run | null
}

/**
 * The reporter's side of one test run: groups item results by suite and gives each suite one
 * RunUpload (create or join the run, stream items in batches with bounded memory, spool to the
 * outbox what the server does not take — the one upload path of src/client/run-upload.ts).
 * `finish` flushes, finalizes and fetches every run.
 */
export class UploadSession {
  private readonly suites = new Map<string, SuiteRun>()
  /** Key of the last suite definition seen, per raw definition object (skips re-hashing). */
  private readonly keyCache = new WeakMap<object, string>()
  private readonly uplink: Uplink
  private readonly origin: string

  constructor(private readonly options: UploadSessionOptions) {
    this.origin = options.origin ?? 'vitest'
    this.uplink = new Uplink(options.api, options.log)
  }

  get runGroup(): RunGroup {
    return this.options.runGroup
  }

  /** Set when the server is unreachable (or rejects our key): every suite is spooled from then on. */
  get serverError(): string | null {
    return this.uplink.offline?.message ?? null
  }

  /** Items that could not even be written to the outbox (disk errors). */
  get lostItems(): number {
    let lost = 0
    for (const run of this.suites.values()) lost += run.upload.undelivered
    return lost
  }

  /** Adds one item result. Resolves at once unless the suite's buffer is full (backpressure). */
  add(suite: SuiteDef, item: ItemResult, testFailed: boolean): Promise<void> | undefined {
    const run = this.suiteRun(suite)
    run.received++
    if (testFailed) run.failedTests++
    return run.upload.add(item, this.options.maxBufferedItems)
  }

  /** Uploads whatever is buffered (called on a timer while tests run). */
  tick(): void {
    for (const run of this.suites.values()) run.upload.tick()
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
    this.timings.pendingAtEnd = runs.reduce((n, run) => n + run.upload.buffered, 0)
    await Promise.all(runs.map((run) => run.upload.flush()))
    const flushed = performance.now()
    this.timings.flushMs = flushed - started
    const results = await Promise.all(runs.map((run) => this.finishOne(run, outcome)))
    this.timings.finalizeMs = performance.now() - flushed
    this.timings.requests = this.uplink.requests
    return results
  }

  /** Where the end of the run spends its time (printed with EVALGATE_DEBUG=timing). */
  readonly timings = { pendingAtEnd: 0, flushMs: 0, finalizeMs: 0, requests: 0 }

  private async finishOne(run: SuiteRun, outcome: 'completed' | 'cancelled'): Promise<SuiteResult> {
    const { upload } = run
    const created = upload.created
    if (upload.stopped || !created) {
      upload.keepForLater()
      return { state: run, run: null, previous: null }
    }
    try {
      const fetched = await this.awaitEvaluation(await upload.finalize({ outcome }))
      // After finalize, not beside it: the list includes this run, and a run whose items changed
      // since its summary was stored gets its summary recomputed by any read. Finalize stores it,
      // so the list reads it as it is (beside finalize, the server computed it twice: ~0.1 s at
      // 10,000 items, more than the round trip this costs).
      const previous = await this.previousRun(created)
      return { state: run, run: fetched, previous }
    } catch {
      upload.keepForLater() // the failure is recorded on the upload
      return { state: run, run: null, previous: null }
    }
  }

  /**
   * Waits for the server's evaluators on the run, saying so; past the timeout the run keeps its
   * pending verdict (which fails the suite) and a line says why.
   */
  private async awaitEvaluation(run: Run): Promise<Run> {
    const suite = terminalText(run.suiteName)
    if (run.evaluationStatus === 'running') {
      const timeoutMs = this.options.evaluationTimeoutMs ?? DEFAULT_EVALUATION_TIMEOUT_MS
      this.options.log(
        `evalgate: waiting for the server's evaluators on ${suite} (timeout ${seconds(timeoutMs)}, EVALGATE_EVALUATION_TIMEOUT_MS)`,
      )
      const waited = await waitForEvaluation(await this.uplink.api(), run, { timeoutMs })
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

  private async previousRun(run: Run): Promise<Run | null> {
    try {
      const api = await this.uplink.api()
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

  private suiteRun(suite: SuiteDef): SuiteRun {
    let key = this.keyCache.get(suite)
    if (key === undefined) {
      key = suiteKey(suite)
      this.keyCache.set(suite, key)
    }
    let run = this.suites.get(key)
    if (!run) {
      const def = withGateDefaults(suite, this.options.gateDefaults)
      run = new SuiteRun(
        key,
        def,
        new RunUpload({
          uplink: this.uplink,
          run: { suite: def, runGroup: this.options.runGroup.id, origin: this.origin },
          batchSize: this.options.batchSize,
          outbox: this.options.outbox,
        }),
      )
      this.suites.set(key, run)
      // The first item of a suite: create (or join) its run now, while the tests go on, rather
      // than when the first batch is full or the run ends (that connects to the server too, if
      // the reporter has not yet). A failure is recorded on the run and reported as before.
      run.upload.open().catch(() => {})
    }
    return run
  }
}
