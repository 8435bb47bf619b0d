/**
 * The run orchestration of the programmatic client: createRun, runTestSuite (the same engine as
 * describeEval) and getRunResults (Netra's envelope). The dataset half is datasets-api.ts.
 */
import { runSuite } from '../core/run-suite.js'
import type { EvalTask } from '../core/types.js'
import { dataset as datasets, type ItemInput } from '../dataset/index.js'
import type { Dataset, LoadedDataset } from '../dataset/types.js'
import { metricDefOf } from '../evaluators/metric.js'
import type { EvaluatorLike } from '../evaluators/types.js'
import { validateEvaluators } from '../evaluators/validate.js'
import type { EvaluationStatus, Run, RunStatus } from '../schema/api.js'
import type { JsonValue, TurnType } from '../schema/common.js'
import type { Gate, StarMetric } from '../schema/gate.js'
import { type ItemStatus, parseSuiteDef, type SuiteDefInput } from '../schema/meta.js'
import type { MetricDefInput } from '../schema/metric.js'
import { nodeCrypto } from '../util/builtins.js'
import type { EvalgateApi } from './api.js'
import type { DatasetWithItems } from './datasets-api.js'
import { EvalgateApiError } from './errors.js'
import { RunUpload, Uplink } from './run-upload.js'
import { toLoadedDataset } from './server-dataset.js'

const { randomUUID } = nodeCrypto

// ---------- runs ----------

export interface CreateRunOptions {
  /** Run name; also the suite name unless `suite` is given. */
  name: string
  /** A server dataset the run evaluates (its name, version and size go into the suite definition). */
  datasetId?: string
  /** Evaluators whose metrics the run records. */
  evaluators?: readonly EvaluatorLike[]
  star?: string | StarMetric
  gate?: Gate
  /** Full suite definition (overrides name/datasetId/evaluators/star/gate). */
  suite?: SuiteDefInput
  /** Runs of one group with one suite version are one run (create or join). Default: a fresh group. */
  runGroup?: string
}

/** Creates (or joins, for the same run group and suite version) a run and returns it. */
export async function createRun(api: EvalgateApi, options: CreateRunOptions): Promise<Run> {
  let suite = options.suite
  if (!suite) {
    let datasetRef = { name: options.name, version: 'none', size: 0 }
    let turnType: TurnType = 'single'
    if (options.datasetId) {
      const ds = await api.datasets.get(options.datasetId)
      datasetRef = { name: ds.name, version: ds.contentHash ?? `v${ds.version}`, size: ds.itemCount }
      turnType = ds.turnType
    }
    const metrics = validateEvaluators(options.evaluators ?? []).map(metricDefOf)
    suite = buildSuite({
      name: options.name,
      dataset: datasetRef,
      turnType,
      metrics,
      star: options.star,
      gate: options.gate,
    })
  }
  return sdkRun(api, suite, options, 1).open()
}

export interface RunTestSuiteOptions<I = JsonValue, O = unknown, E = JsonValue> {
  /** Suite (and run) name. */
  name: string
  /**
   * The items: `getDataset(id)`'s result (a server dataset), a Dataset (`dataset.jsonl(...)`,
   * `serverDataset(id)`), or an array of `{ input, expected?, tags?, metadata?, id? }`.
   */
  data: DatasetWithItems | Dataset<I, E> | readonly ItemInput<I, E>[]
  /** Called once per item × trial with the input and `{ signal, item, trial }`. */
  task: EvalTask<I, O, E>
  evaluators?: readonly EvaluatorLike[]
  /** Tasks in flight at once. Default 50 (as the Netra SDK). */
  maxConcurrency?: number
  /** Task time limit per item in ms (from slot acquisition). Default 30 000. */
  timeoutMs?: number
  trials?: number
  star?: string | StarMetric
  gate?: Gate
  description?: string
  /** Default: a fresh group, i.e. a new run. */
  runGroup?: string
  /** Cancels pending items. */
  signal?: AbortSignal
  /** Items per upload request. Default 200. */
  batchSize?: number
}

export interface RunTestSuiteItem {
  /** Position of the item in its dataset. */
  index: number
  itemId: string
  trial: number
  status: ItemStatus
  passed: boolean
  traceId: string
  spanId: string
  /** The server's id of the run item. */
  testRunItemId: string
}

export interface RunTestSuiteResult {
  runId: string
  /** In completion order, as the Netra SDK returns them. */
  items: RunTestSuiteItem[]
  /** The finalized run with its summary and pass status. */
  run: Run
}

/**
 * Runs `task` over every item (× trials) with the same engine as describeEval, scores each with
 * the evaluators, streams the results to a new run on the server, finalizes it and returns the
 * run id and one entry per item.
 */
export async function runTestSuite<I = JsonValue, O = unknown, E = JsonValue>(
  api: EvalgateApi,
  options: RunTestSuiteOptions<I, O, E>,
): Promise<RunTestSuiteResult> {
  if (!options || typeof options.name !== 'string' || options.name.trim() === '') {
    throw new TypeError('runTestSuite(): `name` must be a non-empty string')
  }
  if (typeof options.task !== 'function') throw new TypeError('runTestSuite(): `task` must be a function')
  const concurrency = options.maxConcurrency ?? 50
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`runTestSuite(): maxConcurrency must be an integer >= 1, got ${String(concurrency)}`)
  }
  const evaluators = validateEvaluators(options.evaluators ?? [])
  const metrics = evaluators.map(metricDefOf)
  // the suite-definition rules hold before any item is loaded or run
  const { star, gate } = options
  buildSuite({
    name: options.name,
    dataset: { name: options.name, version: 'unloaded', size: 0 },
    turnType: 'single',
    metrics,
    star,
    gate,
  })
  const loaded = await loadData(options.name, options.data)
  const suite = buildSuite({
    name: options.name,
    description: options.description,
    dataset: { name: loaded.name, version: loaded.version, size: loaded.items.length },
    turnType: loaded.turnType,
    metrics,
    star: options.star,
    gate: options.gate,
  })
  const upload = sdkRun(api, suite, options, options.batchSize ?? 200)
  const run = await upload.open()
  const completed: Omit<RunTestSuiteItem, 'testRunItemId'>[] = []
  try {
    await runSuite<I, O, E>({
      suite: options.name,
      items: loaded.items,
      task: options.task,
      evaluators,
      concurrency,
      timeoutMs: options.timeoutMs ?? 30_000,
      trials: options.trials ?? 1,
      ...(options.signal ? { signal: options.signal } : {}),
      onResult: (result) => {
        completed.push({
          index: result.index,
          itemId: result.itemId,
          trial: result.trial,
          status: result.status,
          passed: result.passed,
          traceId: result.traceId,
          spanId: result.spanId,
        })
        void upload.add(result)
      },
    })
    await upload.flush()
    // no outbox here: the first failed upload fails the call (after the run is marked failed)
    if (upload.failure) throw upload.failure.error
  } catch (error) {
    await upload
      .finalize({ outcome: 'failed', errorDescription: String((error as Error)?.message ?? error) })
      .catch(() => {})
    throw error
  }
  await upload.finalize({ outcome: options.signal?.aborted ? 'cancelled' : 'completed' })
  const finalRun = await api.runs.get(run.id)
  const ids = await runItemIds(api, run.id)
  return {
    runId: run.id,
    items: completed.map((item) => ({
      ...item,
      testRunItemId: ids.get(`${item.itemId}\u0000${item.trial}`) ?? '',
    })),
    run: finalRun,
  }
}

/** Netra-style envelope of `getRunResults`. */
export interface RunResultsEnvelope {
  success: boolean
  data: RunResultsData | null
  error: { status: number; code: string; message: string } | null
  meta: { timestamp: string; url: string }
}

export interface RunResultsData {
  id: string
  name: string
  status: RunStatus
  evaluationStatus: EvaluationStatus
  turnType: TurnType
  createdAt: string
  updatedAt: string
  testRunSummary: {
    totalItems: number
    passedItems: number
    failedItems: number
    durationMs: number | null
    totalCostUsd: number
    averageLatencyMs: number | null
  }
  redirectUrl: string
  suiteName: string
  suiteVersion: number
  runGroup: string
  passStatus: boolean | null
  /** The full server summary: per-metric statistics, star metric result, gate checks. */
  summary: Run['summary']
}

/** The run's results in the Netra SDK's shape. Never throws: failures come back as `{ success: false, error }`. */
export async function getRunResults(api: EvalgateApi, runId: string): Promise<RunResultsEnvelope> {
  const meta = { timestamp: new Date().toISOString(), url: api.url }
  try {
    const run = await api.runs.get(runId)
    const s = run.summary
    return {
      success: true,
      data: {
        id: run.id,
        name: run.name,
        status: run.status,
        evaluationStatus: run.evaluationStatus,
        turnType: run.turnType,
        createdAt: run.createdAt,
        updatedAt: run.updatedAt,
        testRunSummary: {
          totalItems: s.totalItems,
          passedItems: s.passedItems,
          failedItems: s.failedItems,
          durationMs: s.durationMs,
          totalCostUsd: s.totalCostUsd,
          averageLatencyMs: s.meanLatencyMs,
        },
        // the run's dashboard page, as the server names it
        redirectUrl: run.url,
        suiteName: run.suiteName,
        suiteVersion: run.suiteVersion,
        runGroup: run.runGroup,
        passStatus: s.verdict.passed,
        summary: s,
      },
      error: null,
      meta,
    }
  } catch (error) {
    const apiError =
      error instanceof EvalgateApiError
        ? { status: error.status, code: error.code, message: error.message }
        : { status: 0, code: 'ERROR', message: error instanceof Error ? error.message : String(error) }
    return { success: false, data: null, error: apiError, meta }
  }
}

// ---------- helpers ----------

/** The upload of a run started from a script (one request at a time; no outbox: failures are thrown). */
function sdkRun(
  api: EvalgateApi,
  suite: SuiteDefInput,
  options: { name: string; runGroup?: string | undefined },
  batchSize: number,
): RunUpload {
  return new RunUpload({
    uplink: Uplink.of(api),
    run: { suite, runGroup: options.runGroup ?? `sdk-${randomUUID()}`, name: options.name, origin: 'sdk' },
    batchSize,
  })
}

/** The suite definition of createRun/runTestSuite, checked by the one SuiteDefSchema (SuiteDefError). */
function buildSuite(args: {
  name: string
  description?: string | undefined
  dataset: { name: string; version: string; size: number }
  turnType: TurnType
  metrics: MetricDefInput[]
  star: string | StarMetric | undefined
  gate: Gate | undefined
}): SuiteDefInput {
  return parseSuiteDef(
    {
      name: args.name,
      ...(args.description === undefined ? {} : { description: args.description }),
      dataset: args.dataset,
      turnType: args.turnType,
      metrics: args.metrics,
      star:
        args.star === undefined ? null : typeof args.star === 'string' ? { metric: args.star } : args.star,
      gate: args.gate ?? null,
    },
    args.name,
  )
}

async function loadData<I, E>(
  name: string,
  data: DatasetWithItems | Dataset<I, E> | readonly ItemInput<I, E>[],
): Promise<LoadedDataset<I, E>> {
  if (Array.isArray(data)) {
    const inline = datasets.inline(name, data as readonly ItemInput<unknown, unknown>[])
    return (await inline.load()) as LoadedDataset<I, E>
  }
  if (data && typeof (data as Dataset<I, E>).load === 'function') return (data as Dataset<I, E>).load()
  const server = data as DatasetWithItems
  if (server?.dataset && Array.isArray(server.items)) {
    return toLoadedDataset<I, E>(
      server.dataset,
      server.items.map((item) => ({
        id: item.id,
        datasetId: item.datasetId,
        input: item.input,
        ...(item.expected !== undefined ? { expected: item.expected } : {}),
        tags: item.tags,
        metadata: item.metadata,
        createdAt: '',
      })),
    )
  }
  throw new TypeError(
    'runTestSuite(): `data` must be getDataset()’s result, a Dataset, or an array of { input, expected? } items',
  )
}

async function runItemIds(api: EvalgateApi, runId: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  const perPage = 1000
  for (let page = 1; ; page++) {
    const result = await api.runs.results(runId, { page, perPage })
    for (const item of result.items) ids.set(`${item.itemId}\u0000${item.trial}`, item.id)
    if (result.items.length < perPage || page * perPage >= result.total) break
  }
  return ids
}
