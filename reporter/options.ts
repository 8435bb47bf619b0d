import { evaluationTimeoutMs } from '../src/client/evaluation.js'
import type { Gate } from '../src/schema/gate.js'

export interface EvalgateReporterOptions {
  /** Server URL. Default `EVALGATE_URL`; without one, a running `evalgate serve` or an embedded server. */
  url?: string
  /** API key. Default `EVALGATE_API_KEY`. */
  apiKey?: string
  /**
   * Gate defaults for every suite, merged under each `describeEval`'s own `gate` (the suite wins,
   * per key and per metric).
   */
  gate?: Gate
  /**
   * When the server cannot be reached or fails: items go to `.evalgate/outbox/` either way; `fail`
   * (default) sets a non-zero exit code because the gate could not be checked, `warn` only prints.
   */
  onServerError?: 'fail' | 'warn'
  /** Items per upload request. Default 200. */
  batchSize?: number
  /** Buffered items are uploaded at least this often while tests run. Default 250 ms. */
  flushIntervalMs?: number
  /** Outbox directory. Default `<root>/.evalgate/outbox`. */
  outboxDir?: string
  /** Embedded server database. Default `<root>/.evalgate/evalgate.db`. */
  dbPath?: string
  /** Print the per-suite summary. Default true. */
  summary?: boolean
  /** Also write the summary as Markdown to `GITHUB_STEP_SUMMARY` when that is set. Default true. */
  githubSummary?: boolean
  /** Environment to read (`EVALGATE_*`, CI ids, `GITHUB_STEP_SUMMARY`). Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /**
   * How long to wait, after finalizing, for the server's evaluators (suites with server-side
   * metrics) before the suite fails with a pending verdict. Default `EVALGATE_EVALUATION_TIMEOUT_MS`,
   * else 600 000 (10 minutes).
   */
  evaluationTimeoutMs?: number
}

export interface ResolvedReporterOptions {
  url: string | undefined
  apiKey: string | undefined
  /** As given: checked against GateSchema when the reporter loads its runtime (gate-option.ts). */
  gate: unknown
  onServerError: 'fail' | 'warn'
  batchSize: number
  flushIntervalMs: number
  outboxDir: string | undefined
  dbPath: string | undefined
  summary: boolean
  githubSummary: boolean
  env: NodeJS.ProcessEnv
  evaluationTimeoutMs: number
}

export function resolveReporterOptions(options: EvalgateReporterOptions = {}): ResolvedReporterOptions {
  const env = options.env ?? process.env
  const onServerError = options.onServerError ?? envServerError(env) ?? 'fail'
  if (onServerError !== 'fail' && onServerError !== 'warn') {
    throw new TypeError(
      `evalgate reporter: onServerError must be 'fail' or 'warn', got ${JSON.stringify(onServerError)}`,
    )
  }
  const batchSize = options.batchSize ?? 200
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    throw new TypeError(
      `evalgate reporter: batchSize must be an integer in [1, 5000], got ${String(batchSize)}`,
    )
  }
  const flushIntervalMs = options.flushIntervalMs ?? 250
  if (!Number.isFinite(flushIntervalMs) || flushIntervalMs < 10) {
    throw new TypeError(
      `evalgate reporter: flushIntervalMs must be a number >= 10, got ${String(flushIntervalMs)}`,
    )
  }
  return {
    url: options.url,
    apiKey: options.apiKey,
    gate: options.gate,
    onServerError,
    batchSize,
    flushIntervalMs,
    outboxDir: options.outboxDir,
    dbPath: options.dbPath,
    summary: options.summary ?? true,
    githubSummary: options.githubSummary ?? true,
    env,
    evaluationTimeoutMs: reporterEvaluationTimeout(options.evaluationTimeoutMs, env),
  }
}

function reporterEvaluationTimeout(explicit: number | undefined, env: NodeJS.ProcessEnv): number {
  try {
    return evaluationTimeoutMs(explicit, env)
  } catch (error) {
    throw new TypeError(`evalgate reporter: ${(error as Error).message}`)
  }
}

function envServerError(env: NodeJS.ProcessEnv): 'fail' | 'warn' | undefined {
  const value = env.EVALGATE_ON_SERVER_ERROR
  if (value === 'fail' || value === 'warn') return value
  return undefined
}
