import { appendFileSync, existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import type { SerializedError } from 'vitest'
import type { Reporter, TestCase, TestModule, TestRunEndReason, TestSpecification, Vitest } from 'vitest/node'
import type { Connection } from '../src/client/connect.js'
import type { Outbox } from '../src/client/outbox.js'
import type { Run } from '../src/schema/api.js'
import type { Gate } from '../src/schema/gate.js'
import { firstIssue } from '../src/schema/issues.js'
import { EVAL_META_KEY } from '../src/schema/meta-key.js'
import { type Colors, colorEnabled, terminalColors } from '../src/util/colors.js'
import { DEFAULT_DB_FILE, isPostgresUrl, printableDbLocation } from '../src/util/default-db.js'
import { assertSupportedNode } from '../src/util/supported-node.js'
import { terminalBlock, terminalText } from '../src/util/terminal-text.js'
import { isEvalFile } from '../src/vitest/eval-files.js'
import {
  closingLine,
  decideExitCode,
  githubAnnotation,
  type RunOutcome,
  type SuiteGateOutcome,
  type SuiteOutcome,
} from './exit-code.js'
import type { EvalMetaParser } from './meta-parser.js'
import { canReleaseEvalMeta } from './meta-release.js'
import {
  type EvalgateReporterOptions,
  type ResolvedReporterOptions,
  resolveReporterOptions,
} from './options.js'
import { type RunGroup, rerunGroup, resolveRunGroup } from './run-group.js'
import type * as Runtime from './runtime.js'
import type { SuiteResult, UploadSession } from './session.js'
import {
  formatMarkdownSummary,
  formatTerminalSummary,
  formatUncheckedSummary,
  type SuiteReport,
} from './summary.js'

/**
 * The evalgate Vitest reporter: collect → upload → finalize → fetch → gate → print.
 *
 * - `onTestCaseResult` validates each eval test's `meta.evalgate` payload and streams it to the
 *   server (one run per suite per test run; shards with one run group join one run).
 * - `onTestRunEnd` flushes, finalizes each run, fetches it, prints the summary (and Markdown to
 *   `GITHUB_STEP_SUMMARY`) and sets `process.exitCode`: a configured gate decides for its suite's
 *   eval tests; non-eval failures, module errors, unhandled errors and failed gates always fail.
 *   It never throws.
 * - Sharded runs (`--shard`): every shard joins and finalizes the same run per suite (the server
 *   recomputes the summary when a late shard adds items); the gate verdict is deferred to
 *   `evalgate gate --group <id>`, run once every shard is in.
 */
const REPORTER_MARK = Symbol.for('evalgate.reporter')

/** true for an evalgate reporter instance, even from another copy of the package. */
export function isEvalgateReporter(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REPORTER_MARK] === true
  )
}

export class EvalgateReporter implements Reporter {
  readonly [REPORTER_MARK] = true
  private readonly options: ResolvedReporterOptions
  private vitest: Vitest | undefined
  private root = process.cwd()
  private watching = false
  private sharded = false
  private baseGroup: RunGroup
  private runNumber = 0
  private connection: Promise<Connection> | null = null
  private session: UploadSession | null = null
  private outbox: Outbox | null = null
  private timer: NodeJS.Timeout | null = null
  private failedEvalTests = new Set<string>()
  private invalidPayloads = 0
  private readonly colors: Colors
  /** The client, schemas and upload session, loaded when a run first needs them (runtime.ts). */
  private runtime: typeof Runtime | null = null
  private runtimeLoad: Promise<typeof Runtime> | null = null
  /** The runtime's load that a test run's start waits for, and results that arrived before it. */
  private pending: Promise<unknown> = Promise.resolve()
  private gate: Gate | undefined
  private metaParser: EvalMetaParser | null = null
  /** No other reporter reads `meta.evalgate`: drop it from the test once taken (meta-release.ts). */
  private releaseMeta = false

  constructor(options: EvalgateReporterOptions = {}) {
    assertSupportedNode()
    this.options = resolveReporterOptions(options)
    this.colors = terminalColors(colorEnabled(process.stdout, this.options.env))
    this.baseGroup = resolveRunGroup(this.options.env)
  }

  /** With a `gate` option, loads the runtime here, so that a bad gate stops Vitest at start. */
  onInit(vitest: Vitest): Promise<void> | undefined {
    this.vitest = vitest
    this.root = vitest.config.root
    this.watching = Boolean(vitest.config.watch)
    this.sharded = vitest.config.shard != null
    this.releaseMeta = canReleaseEvalMeta(
      vitest.config.reporters as unknown[],
      Boolean(vitest.config.ui),
      isEvalgateReporter,
    )
    vitest.onClose(() => this.close())
    return this.options.gate === undefined ? undefined : this.loadRuntime().then(() => undefined)
  }

  /**
   * Connects right away (starts the embedded server's thread, or checks the discovered server) when
   * this run will upload, so the server is ready when the first result arrives; it starts beside
   * the test workers' start-up. A project that has never uploaded and runs no eval file connects
   * at its first eval result instead (a describeEval in a plain test file), so plain test runs
   * never create a database, and never load the runtime: Vitest does not wait for it either way.
   */
  onTestRunStart(specifications: ReadonlyArray<TestSpecification> = []): void {
    this.runNumber++
    const uploads =
      this.connection !== null ||
      specifications.some((spec) => isEvalFile(spec.moduleId)) ||
      existsSync(resolve(this.root, this.options.dbPath ?? DEFAULT_DB_FILE))
    const begin = () => {
      this.startSession()
      // a failure is reported by the upload that needs it
      if (uploads && !this.connection) this.connect().catch(() => {})
    }
    if (this.runtime) begin()
    else if (uploads) this.pending = this.loadRuntime().then(begin, () => {})
    else this.stopSession()
  }

  onTestCaseResult(testCase: TestCase): Promise<void> | undefined {
    const payload = (testCase.meta() as Record<string, unknown>)[EVAL_META_KEY]
    if (payload === undefined) return undefined
    const state = testCase.result().state
    if (state !== 'passed' && state !== 'failed') return undefined
    if (this.runtime) return this.takeResult(testCase, payload, state)
    // Before the runtime: in arrival order, once it is loaded.
    const taken = this.loadRuntime().then(
      () => this.takeResult(testCase, payload, state),
      (error: unknown) => {
        // not taken: the run fails (counted with invalid payloads), never passes unseen
        this.invalidPayloads++
        this.log(`evalgate: reporter error: ${describeError(error)}`)
      },
    )
    this.pending = this.pending.then(() => taken).catch(() => {})
    return taken
  }

  private takeResult(
    testCase: TestCase,
    payload: unknown,
    state: 'passed' | 'failed',
  ): Promise<void> | undefined {
    const session = this.session ?? this.startSession()
    const parsed = this.metaParser!.parse(payload)
    if (!parsed.success) {
      this.invalidPayloads++
      const { path, message } = firstIssue(parsed.error)
      const field = path ? `meta.${EVAL_META_KEY}.${path}` : `meta.${EVAL_META_KEY}`
      this.log(
        `evalgate: invalid result payload from test "${testCase.fullName}" (${this.relative(testCase.module.moduleId)}): field \`${field}\`: ${message}`,
      )
      return undefined
    }
    if (this.releaseMeta) delete (testCase.meta() as Record<string, unknown>)[EVAL_META_KEY]
    const failed = state === 'failed'
    if (failed) this.failedEvalTests.add(testCase.id)
    return session.add(parsed.data.suite, parsed.data.result, failed)
  }

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
    const started = performance.now()
    await this.pending.catch(() => {})
    this.pending = Promise.resolve()
    this.stopTimer()
    const session = this.session
    this.session = null
    try {
      // No eval test ran: Vitest's own verdict stands, and nothing is printed.
      if ((!session || session.states().length === 0) && this.invalidPayloads === 0) return
      const results = session
        ? await session.finish(reason === 'interrupted' ? 'cancelled' : 'completed')
        : []
      const finished = performance.now()
      const connection = session && results.some((r) => r.run) ? await this.connection : null
      const suites: SuiteOutcome[] = []
      const printed: string[] = []
      const markdown: string[] = []
      for (const result of results) {
        const { outcome, text, md } = this.describeSuite(result, connection, session!)
        suites.push(outcome)
        printed.push(text)
        if (md) markdown.push(md)
      }
      const counts = countFailures(testModules, this.failedEvalTests)
      const runOutcome: RunOutcome = {
        reason,
        unhandledErrors: this.vitest?.config.dangerouslyIgnoreUnhandledErrors ? 0 : unhandledErrors.length,
        moduleErrors: counts.moduleErrors,
        nonEvalFailures: counts.nonEvalFailures,
        invalidPayloads: this.invalidPayloads + (session?.lostItems ?? 0),
        suites,
        onServerError: this.options.onServerError,
        previousExitCode: typeof process.exitCode === 'number' ? process.exitCode : undefined,
      }
      const decision = decideExitCode(runOutcome)
      if (this.options.summary) {
        // The suite summaries escape untrusted text themselves (so they can carry colour); every
        // other line is escaped here before it is painted.
        const lines = ['', ...printed]
        if (connection && connection.mode !== 'embedded') {
          lines.push(terminalText(` evalgate: uploaded to ${connection.url} (${connection.urlSource})`))
        }
        if (this.sharded && session) {
          lines.push(
            terminalText(
              ` evalgate: shard of run group ${session.runGroup.id}; once every shard is in: npx evalgate gate --group ${session.runGroup.id}`,
            ),
          )
        }
        for (const warning of decision.warnings)
          lines.push(` ${this.colors.yellow(terminalText(`evalgate warning: ${warning}`))}`)
        const closing = terminalText(closingLine(runOutcome, decision))
        const paint = decision.exitCode === 0 ? this.colors.green : this.colors.red
        lines.push(` ${this.colors.bold(paint(closing))}`)
        if (this.options.env.GITHUB_ACTIONS === 'true')
          lines.push(githubAnnotation(closing, decision.exitCode))
        this.print(lines.join('\n'))
      }
      if (this.options.githubSummary && markdown.length > 0) this.writeStepSummary(markdown)
      process.exitCode = decision.exitCode
      if (this.options.env.EVALGATE_DEBUG?.includes('timing')) {
        const total = performance.now() - started
        this.log(
          `evalgate timing: onTestRunEnd ${total.toFixed(1)} ms (flush + finalize + fetch ${(finished - started).toFixed(1)} ms; ` +
            `${session?.timings.pendingAtEnd ?? 0} items pending at the end, flush ${session?.timings.flushMs.toFixed(1)} ms, ` +
            `finalize + fetch ${session?.timings.finalizeMs.toFixed(1)} ms, ${session?.timings.requests ?? 0} upload requests)`,
        )
      }
    } catch (error) {
      // Never throw from a reporter hook (in watch mode it would escape the rerun timer).
      this.log(`evalgate: reporter error: ${describeError(error)}`)
      process.exitCode = 1
    } finally {
      this.failedEvalTests = new Set()
      this.invalidPayloads = 0
      if (!this.watching) await this.close()
    }
  }

  /** Closes the client and the embedded server, if one was started. */
  async close(): Promise<void> {
    this.stopTimer()
    const connection = this.connection
    this.connection = null
    if (connection) await connection.then((c) => c.close()).catch(() => {})
  }

  private describeSuite(
    result: SuiteResult,
    connection: Connection | null,
    session: UploadSession,
  ): { outcome: SuiteOutcome; text: string; md: string | null } {
    const { state } = result
    const gated = state.suite.gate !== null
    if (!result.run) {
      const error = state.error ?? session.serverError ?? 'not uploaded'
      const gate: SuiteGateOutcome = { kind: 'unchecked', gated, error }
      return {
        outcome: { name: state.name, failedTests: state.failedTests, gate },
        text: formatUncheckedSummary({
          suiteName: state.name,
          items: state.received,
          failedItems: state.failedTests,
          outboxFile: state.outboxFile ? this.relative(state.outboxFile) : null,
          error,
        }),
        md: null,
      }
    }
    const gate: SuiteGateOutcome = this.sharded
      ? { kind: 'deferred', gated }
      : { kind: 'checked', verdict: result.run.summary.verdict }
    const report: SuiteReport = {
      run: result.run,
      previous: result.previous,
      runUrl: runUrl(connection, result.run, this.watching),
      deferredNote: this.sharded
        ? `deferred to \`npx evalgate gate --group ${result.run.runGroup}\` (sharded run)`
        : undefined,
    }
    return {
      outcome: { name: state.name, failedTests: state.failedTests, gate },
      text: formatTerminalSummary(report, this.colors),
      md: formatMarkdownSummary(report),
    }
  }

  /** Loads the runtime once; a bad `gate` option rejects it (a TypeError naming the field). */
  private loadRuntime(): Promise<typeof Runtime> {
    this.runtimeLoad ??= import('./runtime.js').then((runtime) => {
      this.gate = runtime.parseGateOption(this.options.gate)
      this.metaParser = new runtime.EvalMetaParser()
      this.runtime = runtime
      return runtime
    })
    return this.runtimeLoad
  }

  /** Needs the runtime loaded. */
  private startSession(): UploadSession {
    const runtime = this.runtime!
    this.stopSession()
    const runGroup = rerunGroup(this.baseGroup, this.runNumber)
    this.outbox ??= new runtime.Outbox(
      resolve(this.root, this.options.outboxDir ?? join('.evalgate', 'outbox')),
    )
    const session = new runtime.UploadSession({
      api: () => this.connect(),
      outbox: this.outbox,
      runGroup,
      gateDefaults: this.gate,
      batchSize: this.options.batchSize,
      maxBufferedItems: this.options.batchSize * 10,
      log: (line) => this.log(line),
      evaluationTimeoutMs: this.options.evaluationTimeoutMs,
    })
    this.session = session
    this.timer = setInterval(() => session.tick(), this.options.flushIntervalMs)
    this.timer.unref()
    return session
  }

  /** The previous test run's session, if it is still open: its results are not this run's. */
  private stopSession(): void {
    this.stopTimer()
    this.session = null
  }

  /** Needs the runtime loaded. */
  private connect(): Promise<Connection> {
    this.connection ??= this.runtime!.connect({
      url: this.options.url,
      apiKey: this.options.apiKey,
      root: this.root,
      dbPath: this.options.dbPath,
      env: this.options.env,
    })
    return this.connection
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private writeStepSummary(sections: string[]): void {
    const file = this.options.env.GITHUB_STEP_SUMMARY
    if (!file) return
    try {
      appendFileSync(file, `${sections.join('\n')}\n`)
    } catch (error) {
      this.log(`evalgate: could not write GITHUB_STEP_SUMMARY (${file}): ${(error as Error).message}`)
    }
  }

  private relative(path: string): string {
    const rel = relative(this.root, path)
    return rel.startsWith('..') ? path : rel
  }

  /** Everything the reporter prints passes here: names, server and error text are untrusted. */
  private log(raw: string): void {
    this.print(terminalBlock(raw))
  }

  /** Prints text whose untrusted parts are already escaped (the painted summary). */
  private print(text: string): void {
    if (this.vitest) this.vitest.logger.log(text)
    else console.log(text)
  }
}

/**
 * Where to look at a run: its dashboard URL, or, when the embedded server stops with this process
 * (not in watch mode), the command that opens it.
 */
function runUrl(connection: Connection | null, run: Run, watching: boolean): string {
  const runId = run.id
  if (connection?.mode === 'embedded' && watching) return run.url
  if (!connection || connection.mode === 'embedded') {
    // The hint is run from the shell's directory: name a database file relative to it, and a
    // PostgreSQL database without its password.
    const location = connection?.dbPath ?? DEFAULT_DB_FILE
    const rel = isPostgresUrl(location) ? printableDbLocation(location) : relative(process.cwd(), location)
    const db = rel.startsWith('..') ? location : rel
    const dbFlag = db === DEFAULT_DB_FILE ? '' : ` --db ${db}`
    return `${runId} (in ${db}; view: npx evalgate show ${runId}${dbFlag} · dashboard: npx evalgate ui --run ${runId}${dbFlag})`
  }
  return run.url
}

/** Module and suite errors, and failed tests that are not eval tests: always fail the run. */
function countFailures(
  modules: ReadonlyArray<TestModule>,
  failedEvalTests: ReadonlySet<string>,
): { moduleErrors: number; nonEvalFailures: number } {
  let moduleErrors = 0
  let nonEvalFailures = 0
  for (const module of modules) {
    moduleErrors += module.errors().length
    for (const suite of module.children.allSuites()) moduleErrors += suite.errors().length
    for (const test of module.children.allTests('failed')) {
      if (!failedEvalTests.has(test.id)) nonEvalFailures++
    }
  }
  return { moduleErrors, nonEvalFailures }
}

export function evalgateReporter(options?: EvalgateReporterOptions): EvalgateReporter {
  return new EvalgateReporter(options)
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}
