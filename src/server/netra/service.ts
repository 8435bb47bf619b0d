/**
 * The Netra evaluation API over evalgate's own services (reference §7): a Netra dataset is a
 * dataset, a test run is a run of an implicit suite named after it, a test run item is a run item,
 * local evaluators are metrics and their results are scores. Nothing here decides status or
 * verdict: the run status machine (service/run-status.ts) and src/gate do.
 */
import { itemId as contentItemId } from '../../dataset/identity.js'
import type { Dataset, DatasetItem, Run, RunItem, RunStatus, StoredItemResult } from '../../schema/api.js'
import type { JsonObject, JsonValue } from '../../schema/common.js'
import type { SuiteDef } from '../../schema/meta.js'
import type { MetricDef } from '../../schema/metric.js'
import type {
  NetraAddDatasetItemBody,
  NetraCreateDatasetBody,
  NetraCreateRunBody,
  NetraEvaluatorConfig,
  NetraEvaluatorResult,
  NetraRunItemBody,
} from '../../schema/netra.js'
import type { Executor } from '../../store/bulk.js'
import * as datasetRepo from '../../store/repos/datasets.js'
import * as netraRepo from '../../store/repos/netra.js'
import * as itemRepo from '../../store/repos/run-items.js'
import * as runRepo from '../../store/repos/runs.js'
import * as spanRepo from '../../store/repos/spans.js'
import type { NetraRunItemsTable, NetraRunsTable } from '../../store/schema.js'
import { toRunItem } from '../mappers.js'
import { checkServerEvaluatorRefs, findServerEvaluator } from '../scoring/catalogue.js'
import { NotFoundError, ValidationError } from '../service/errors.js'
import type { Services } from '../service/index.js'
import { nowIso } from '../service/util.js'
import { fillItemUsage } from './item-usage.js'
import { NO_SPAN_ID, NO_TRACE_ID, toScore } from './mappers.js'

/** How long a run reported complete waits for local evaluations still due (see README.md). */
export const DEFAULT_EVALUATION_GRACE_MS = 60_000

/** The dataset name of runs over local items (the SDK sends no dataset for them). */
export const LOCAL_DATASET = 'local'

/** What the Netra SDK does not send about a task that threw (it keeps the error text locally). */
const FAILED_TASK_ERROR = {
  name: 'TaskFailed',
  message: 'the task threw; the Netra SDK does not send the error text',
}

/** Trace context of the request that posted a run item (its `traceparent` header). */
export interface SpanContext {
  traceId: string
  spanId: string
}

export interface NetraRunFacts {
  datasetId: string | null
  localEvaluators: NetraEvaluatorConfig[]
}

function factsOf(row: NetraRunsTable | undefined): NetraRunFacts {
  if (!row) return { datasetId: null, localEvaluators: [] }
  return {
    datasetId: row.dataset_id,
    localEvaluators: JSON.parse(row.local_evaluators) as NetraEvaluatorConfig[],
  }
}

/** A test run item's id (`<run id>:<ordinal>`, the native run item id) → its ordinal in `runId`. */
export function ordinalOf(runId: string, testRunItemId: string): number {
  const sep = testRunItemId.lastIndexOf(':')
  const ordinal = Number(testRunItemId.slice(sep + 1))
  if (sep < 0 || testRunItemId.slice(0, sep) !== runId || !Number.isInteger(ordinal) || ordinal < 1)
    throw new NotFoundError(`run ${runId} item`, testRunItemId)
  return ordinal
}

export class NetraService {
  /** Grace timers of runs waiting for their local evaluations, so the status moves on its own. */
  private readonly timers = new Map<string, NodeJS.Timeout>()
  /** Stops filling items from arriving spans. */
  private readonly stopFilling: () => void

  constructor(
    private readonly services: Services,
    private readonly graceMs: number = DEFAULT_EVALUATION_GRACE_MS,
  ) {
    // the SDK sends no latency, tokens or cost: the item's spans tell them (item-usage.ts)
    this.stopFilling = services.spans.onIngested((projectId, traceIds) =>
      fillItemUsage(services.store, projectId, traceIds),
    )
  }

  private get db() {
    return this.services.store.db
  }

  /**
   * The run's row, 404 for an unknown id or another project's. Not `RunService.get`: that
   * refreshes a stale summary, which every item post makes stale (quadratic over a run).
   */
  private async findRun(projectId: string, runId: string): Promise<runRepo.RunRow> {
    const row = await runRepo.findRun(this.db, projectId, runId)
    if (!row) throw new NotFoundError('run', runId)
    return row
  }

  // ---------- datasets ----------

  createDataset(projectId: string, body: NetraCreateDatasetBody): Promise<Dataset> {
    return this.services.datasets.create(projectId, {
      name: body.name,
      tags: body.tags ?? [],
      turnType: body.turnType ?? 'single',
    })
  }

  /** One item (its id from src/dataset/identity.ts: adding the same content again returns the same item). */
  async addDatasetItem(
    projectId: string,
    datasetId: string,
    body: NetraAddDatasetItemBody,
  ): Promise<DatasetItem> {
    const { items } = await this.services.datasets.addItems(projectId, datasetId, [
      {
        input: body.input,
        ...(body.expectedOutput !== undefined ? { expected: body.expectedOutput } : {}),
        tags: body.tags ?? [],
        metadata: body.metadata ?? {},
      },
    ])
    return items[0]!
  }

  /** Every item of the dataset, in order. */
  async datasetItems(projectId: string, datasetId: string): Promise<DatasetItem[]> {
    const ds = await this.services.datasets.get(projectId, datasetId)
    const { items } = await this.services.datasets.listItems(projectId, ds.id, 1, Math.max(1, ds.itemCount))
    return items
  }

  // ---------- runs ----------

  /**
   * N4: a run of the implicit suite named after the run (its dataset pinned at its current
   * version, its local evaluators as metrics, upserted by name), in a fresh run group.
   */
  async createRun(projectId: string, body: NetraCreateRunBody): Promise<{ run: Run; facts: NetraRunFacts }> {
    const evaluators = body.localEvaluators ?? []
    let dataset: SuiteDef['dataset'] = { name: LOCAL_DATASET, version: LOCAL_DATASET, size: 0 }
    let turnType: SuiteDef['turnType'] = 'single'
    if (body.datasetId !== undefined) {
      const ds = await this.services.datasets.get(projectId, body.datasetId)
      dataset = { name: ds.name, version: ds.contentHash ?? 'empty', size: ds.itemCount }
      turnType = ds.turnType
    }
    const metrics: MetricDef[] = evaluators.map((e) => ({
      name: e.name,
      ...(e.label !== undefined ? { description: e.label } : {}),
      scoreType: e.scoreType ?? 'numerical',
      valueType: 'number',
      rangeMin: 0,
      rangeMax: 1,
      inverted: false,
      threshold: null,
    }))
    const judged = serverEvaluatorMetrics(body.evaluators ?? [])
    checkServerEvaluatorRefs(judged, 'evaluators', { byIndex: true })
    const taken = new Set(metrics.map((m) => m.name))
    judged.forEach((m, i) => {
      if (taken.has(m.name))
        throw new ValidationError(
          `server evaluator ${JSON.stringify(m.name)} has the name of a local evaluator`,
          `evaluators.${i}`,
        )
      taken.add(m.name)
    })
    const suite: SuiteDef = {
      name: body.name,
      dataset,
      turnType,
      metrics: [...metrics, ...judged],
      star: null,
      gate: null,
    }
    const { run } = await this.services.runs.createOrJoin(projectId, {
      suite,
      name: body.name,
      origin: 'netra-sdk',
    })
    const facts: NetraRunFacts = { datasetId: body.datasetId ?? null, localEvaluators: evaluators }
    await netraRepo.insertNetraRun(this.db, {
      run_id: run.id,
      dataset_id: facts.datasetId,
      local_evaluators: JSON.stringify(evaluators),
      evaluations_due_at: null,
    })
    return { run, facts }
  }

  async runFacts(runId: string): Promise<NetraRunFacts> {
    return factsOf(await netraRepo.findNetraRun(this.db, runId))
  }

  /**
   * N5: one run item. Its status is inferred (`status: "failed"` → failed, else completed with
   * `taskOutput`); its span id comes from the request's `traceparent`. The item id is the dataset
   * item's id, or the content id of a local item; a second item with the same id in one run gets
   * `<id>~2`, `~3`… (as in src/dataset/identity.ts), unless it carries the same span id: then it
   * is the same item posted again, and replaces it.
   */
  async addRunItem(
    projectId: string,
    runId: string,
    body: NetraRunItemBody,
    span: SpanContext | undefined,
  ): Promise<{ item: RunItem; netra: NetraRunItemsTable }> {
    const run = await this.findRun(projectId, runId)
    const facts = await this.runFacts(run.id)
    let base: string
    let index: number | undefined
    let input: JsonValue
    let expected: JsonValue | undefined
    let tags: string[] = []
    let metadata: JsonObject = body.metadata ?? {}
    if (body.datasetItemId !== undefined) {
      if (facts.datasetId === null)
        throw new ValidationError(
          `invalid body: datasetItemId: run ${runId} was created without a datasetId, so its items cannot name dataset items`,
          'datasetItemId',
        )
      const row = await datasetRepo.findDatasetItem(this.db, facts.datasetId, body.datasetItemId)
      if (!row) throw new NotFoundError(`dataset ${facts.datasetId} item`, body.datasetItemId)
      base = row.id
      index = row.position
      input = JSON.parse(row.input) as JsonValue
      if (row.expected !== null) expected = JSON.parse(row.expected) as JsonValue
      tags = JSON.parse(row.tags) as string[]
      metadata = { ...(JSON.parse(row.metadata) as JsonObject), ...metadata }
    } else {
      input = body.input as JsonValue
      expected = body.expectedOutput
      base = contentItemId({ input, ...(expected !== undefined ? { expected } : {}) })
    }
    const traceId = body.traceId ?? span?.traceId ?? NO_TRACE_ID
    const spanId = span?.spanId ?? NO_SPAN_ID
    const failed = body.status === 'failed'
    const posted = await this.db.transaction().execute(async (trx) => {
      // under the run's lock: concurrent posts of equal content get distinct ids
      const locked = await runRepo.lockRun(trx, run.id, projectId)
      if (!locked) throw new NotFoundError('run', runId)
      const { id, existing } = await freeCopyId(trx, run.id, base, spanId)
      const item: StoredItemResult = {
        itemId: id,
        index: index ?? existing?.idx ?? locked.item_seq,
        trial: 0,
        input,
        ...(expected !== undefined ? { expected } : {}),
        tags,
        metadata,
        status: failed ? 'failed' : 'completed',
        output: failed ? null : (body.taskOutput ?? null),
        error: failed ? FAILED_TASK_ERROR : null,
        passed: !failed,
        // the SDK sends no timings (reference §1.3): unknown until the item's spans tell it
        latencyMs: null,
        startedAt: nowIso(),
        usage: null,
        costUsd: null,
        toolCalls: null,
        traceId,
        spanId,
        scores: [],
      }
      await this.services.runs.addItems(projectId, run.id, [item], trx)
      const row = (await itemRepo.findRunItemByKey(trx, run.id, id, 0))!
      const netra: NetraRunItemsTable = {
        run_id: run.id,
        ordinal: row.ordinal,
        dataset_item_id: body.datasetItemId ?? null,
        session_id: body.sessionId ?? null,
        trace_id: traceId,
      }
      await netraRepo.upsertNetraRunItem(trx, netra)
      return { item: toRunItem(row, []), netra }
    })
    // spans that arrived first fill the item now, later ones when they arrive
    if (!(await this.fillFromSpans(projectId, traceId, posted.item.id))) return posted
    const filled = await itemRepo
      .findRunItemByOrdinal(this.db, run.id, posted.netra.ordinal)
      .catch(() => undefined)
    return filled ? { ...posted, item: toRunItem(filled, []) } : posted
  }

  /**
   * After a commit that wrote an item: fills it from the spans its trace has so far
   * (item-usage.ts); whether it tried. The item is stored: a failure here is logged, never
   * answered as a failed request (the SDK would then use its failure value as the item id).
   */
  private async fillFromSpans(projectId: string, traceId: string, itemId: string): Promise<boolean> {
    if (traceId === NO_TRACE_ID) return false
    try {
      if (!(await spanRepo.hasSpans(this.db, projectId, traceId))) return false
      await fillItemUsage(this.services.store, projectId, [traceId])
      return true
    } catch (err) {
      process.stderr.write(
        `evalgate server: filling Netra item ${itemId} from its spans: ${(err as Error).stack ?? err}\n`,
      )
      return false
    }
  }

  /**
   * N6: the local evaluators' results of one item, stored as its scores (a result for an evaluator
   * already scored replaces it). Accepted in every run status but cancelled, also after N7: a
   * finished run's summary, status and verdict are then recomputed from all items.
   */
  async addLocalEvaluations(
    projectId: string,
    runId: string,
    testRunItemId: string,
    results: readonly NetraEvaluatorResult[],
  ): Promise<RunStatus> {
    const run = await this.findRun(projectId, runId)
    const ordinal = ordinalOf(run.id, testRunItemId)
    const current = await this.services.runs.itemByOrdinal(projectId, run.id, ordinal)
    const incoming = new Map(results.map((r) => [r.evaluatorName, toScore(r)]))
    const scores = [...current.scores.filter((s) => !incoming.has(s.metric)), ...incoming.values()]
    const { id: _id, runId: _runId, ordinal: _ordinal, ...result } = current
    const item: StoredItemResult = {
      ...result,
      scores,
      passed: current.status === 'completed' && scores.every((s) => s.passed !== false),
    }
    await this.services.runs.addItems(projectId, run.id, [item])
    // The item was read before this write, outside the run's lock: a fill from spans that landed
    // in between (the SDK runs its evaluators once the item's span is in) is applied again.
    await this.fillFromSpans(projectId, current.traceId, current.id)
    return this.settle(projectId, run.id)
  }

  /**
   * N7. `failed`: the run failed. `completed`: finished, unless completed items still wait for
   * their local evaluations (the JS SDK does not await those posts): then the run is `evaluating`
   * until they are in or the grace period is over.
   */
  async setStatus(projectId: string, runId: string, status: 'completed' | 'failed'): Promise<RunStatus> {
    const run = await this.findRun(projectId, runId)
    if (status === 'failed') {
      const failed = await this.services.runs.finalize(projectId, run.id, {
        outcome: 'failed',
        errorDescription: 'the Netra SDK reported the test run failed',
      })
      return failed.status
    }
    const facts = await this.runFacts(run.id)
    if (facts.localEvaluators.length === 0)
      return (await this.services.runs.finalize(projectId, run.id, { outcome: 'completed' })).status
    await this.services.runs.markEvaluating(projectId, run.id)
    await netraRepo.setEvaluationsDue(this.db, run.id, new Date(Date.now() + this.graceMs).toISOString())
    this.schedule(projectId, run.id)
    return this.settle(projectId, run.id)
  }

  /**
   * Finishes a run waiting for its local evaluations once none is due or the grace period is over;
   * called after every evaluation post, on reads and by the grace timer, so the status moves on
   * whichever server instance sees the run next.
   */
  async settle(projectId: string, runId: string): Promise<RunStatus> {
    const run = await this.findRun(projectId, runId)
    const status = run.status as RunStatus
    if (status !== 'evaluating') return status
    const row = await netraRepo.findNetraRun(this.db, run.id)
    // `evaluating` set by someone else (not waiting for Netra local evaluations): not ours to end
    if (!row || row.evaluations_due_at === null) return status
    const due = await netraRepo.countUnscoredCompletedItems(this.db, run.id)
    if (due > 0 && Date.now() < Date.parse(row.evaluations_due_at)) return status
    this.unschedule(run.id)
    return (await this.services.runs.finalize(projectId, run.id, { outcome: 'completed' })).status
  }

  /** Completed items still without a score, in a run whose SDK evaluates locally. */
  async pendingEvaluations(runId: string, facts: NetraRunFacts): Promise<number> {
    if (facts.localEvaluators.length === 0) return 0
    return netraRepo.countUnscoredCompletedItems(this.db, runId)
  }

  async itemFacts(runId: string, ordinals: readonly number[]): Promise<Map<number, NetraRunItemsTable>> {
    const rows = await netraRepo.listNetraRunItems(this.db, runId, ordinals)
    return new Map(rows.map((r) => [r.ordinal, r]))
  }

  /** Stops the grace timers (the server is closing; reads settle such runs later). */
  close(): void {
    this.stopFilling()
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
  }

  private schedule(projectId: string, runId: string): void {
    this.unschedule(runId)
    const timer = setTimeout(() => {
      this.timers.delete(runId)
      this.settle(projectId, runId).catch((err: Error) => {
        process.stderr.write(`evalgate server: settling Netra run ${runId}: ${err.stack ?? err.message}\n`)
      })
    }, this.graceMs + 10)
    timer.unref()
    this.timers.set(runId, timer)
  }

  private unschedule(runId: string): void {
    const timer = this.timers.get(runId)
    if (timer) clearTimeout(timer)
    this.timers.delete(runId)
  }
}

/**
 * N4's `evaluators` as suite metrics the server scores: named after the evaluator (its default
 * metric name), passing at 0.5 like the judges' own scales (`GET /api/v1/evaluators`).
 */
function serverEvaluatorMetrics(refs: NonNullable<NetraCreateRunBody['evaluators']>): MetricDef[] {
  return refs.map((r) => {
    const ref = typeof r === 'string' ? { id: r } : r
    return {
      name: findServerEvaluator(ref.id)?.defaultMetricName ?? ref.id,
      description: `Scored by the server's ${ref.id} evaluator`,
      scoreType: 'numerical',
      valueType: 'number',
      rangeMin: 0,
      rangeMax: 1,
      inverted: false,
      threshold: 0.5,
      evaluator: ref,
    }
  })
}

/** Candidate ids looked up per query: `n` copies of one content take n / 64 lookups, not n. */
const COPY_LOOKUP_BATCH = 64

/**
 * The id a posted item takes: `base`, else `base~2`, `base~3`… — the first that is free, or that
 * holds the same span (the same item posted again, which it replaces; `existing` is then set).
 */
async function freeCopyId(
  db: Executor,
  runId: string,
  base: string,
  spanId: string,
): Promise<{ id: string; existing: { idx: number } | undefined }> {
  const copyId = (n: number) => (n === 1 ? base : `${base}~${n}`)
  for (let first = 1; ; first += COPY_LOOKUP_BATCH) {
    const candidates = Array.from({ length: COPY_LOOKUP_BATCH }, (_, i) => copyId(first + i))
    const found = new Map(
      (await itemRepo.findRunItemsById(db, runId, candidates, 0)).map((row) => [row.item_id, row]),
    )
    for (const id of candidates) {
      const existing = found.get(id)
      if (!existing || (spanId !== NO_SPAN_ID && existing.span_id === spanId)) return { id, existing }
    }
  }
}
