import type * as z from 'zod'
import { computeSummary, finalStatus, type SummarySuite, withVerdict } from '../../gate/index.js'
import { withRunMetrics } from '../../gate/run-metrics.js'
import type {
  CreateRunBodySchema,
  FinalizeRunBodySchema,
  Run,
  RunCompare,
  RunItem,
  RunStatus,
  RunSummary,
  StoredItemResult,
  Suite,
} from '../../schema/api.js'
import type { Gate, StarMetric } from '../../schema/gate.js'
import type { MetricDef } from '../../schema/metric.js'
import type { Executor, SqlValue } from '../../store/bulk.js'
import type { Store } from '../../store/open.js'
import { cancelJobs, countJobsByStatus } from '../../store/repos/jobs.js'
import * as itemRepo from '../../store/repos/run-items.js'
import * as repo from '../../store/repos/runs.js'
import { countServerScoreErrors } from '../../store/repos/server-scores.js'
import * as spanRepo from '../../store/repos/spans.js'
import * as suiteRepo from '../../store/repos/suites.js'
import type { RunsTable, ScoresTable } from '../../store/schema.js'
import { TimeSlice } from '../../util/time-slice.js'
import { toRun, toRunItem } from '../mappers.js'
import { checkServerEvaluatorRefs, SCORE_ITEMS_KIND, type ServerScoring } from '../scoring/index.js'
import { NotFoundError } from './errors.js'
import { applySpanUsage } from './item-usage.js'
import { runMetricsOf } from './run-metrics.js'
import { nextRunStatus, type RunEvent } from './run-status.js'
import type { SuiteService } from './suites.js'
import { newId, nowIso } from './util.js'

export type CreateRunInput = z.infer<typeof CreateRunBodySchema>
export type FinalizeRunInput = z.infer<typeof FinalizeRunBodySchema>
export type ResultsFilter = 'passed' | 'failed' | 'errored'

/** The store's run filter: suite id/name/version, run group, limit, offset. */
export type RunListFilter = repo.RunFilter

function outcomeOf(item: StoredItemResult): ResultsFilter {
  if (item.status !== 'completed') return 'errored'
  return item.passed ? 'passed' : 'failed'
}

/**
 * Runs: create-or-join, idempotent item ingest, finalize, results, compare.
 *
 * Summary freshness: every accepted batch marks the run's cached summary stale; a finalize, or
 * the first read after new items, recomputes it (under the run's lock). A finalized run that
 * receives more items (a late shard) has its status and evaluation status recomputed with it.
 */
export class RunService {
  /** Server-side scoring of items whose suite has server metrics (set by createServices). */
  scoring: ServerScoring | undefined

  constructor(
    private readonly store: Store,
    private readonly suites: SuiteService,
  ) {}

  /** Create the run of (run group, suite, suite version), or join it when it exists. */
  async createOrJoin(
    projectId: string,
    body: CreateRunInput,
  ): Promise<{ run: Run; suite: Suite; joined: boolean }> {
    checkServerEvaluatorRefs(body.suite.metrics, 'suite.metrics')
    const suite = await this.suites.upsert(projectId, body.suite)
    const now = nowIso()
    const runGroup = body.runGroup ?? newId()
    const id = newId()
    const row = newRunRow(projectId, suite, {
      id,
      runGroup,
      name: body.name ?? `${suite.name} ${now}`,
      origin: body.origin,
      expectedItems: body.expectedItems ?? null,
      now,
    })
    const stored = await repo.insertRunIfAbsent(this.store.db, row)
    const joined = stored.id !== id
    const run = await this.toWire(stored)
    return { run, suite: { ...suite, totalRuns: joined ? suite.totalRuns : suite.totalRuns + 1 }, joined }
  }

  async get(projectId: string, id: string): Promise<Run> {
    const row = await repo.findRun(this.store.db, projectId, id)
    if (!row) throw new NotFoundError('run', id)
    return this.toWire(row)
  }

  async list(projectId: string, filter: RunListFilter): Promise<Run[]> {
    const rows = await repo.listRuns(this.store.db, projectId, filter)
    return Promise.all(rows.map((r) => this.toWire(r)))
  }

  async count(projectId: string, filter: Omit<RunListFilter, 'limit'>): Promise<number> {
    return repo.countRuns(this.store.db, projectId, filter)
  }

  /** Runs of one suite (optionally one version), newest first; 404 for an unknown suite. */
  async listBySuite(
    projectId: string,
    suiteId: string,
    version?: number,
    limit = 100,
    offset = 0,
  ): Promise<Run[]> {
    const suite = await suiteRepo.findSuite(this.store.db, projectId, suiteId)
    if (!suite) throw new NotFoundError('suite', suiteId)
    return this.list(projectId, {
      suiteId,
      ...(version !== undefined ? { suiteVersion: version } : {}),
      limit,
      offset,
    })
  }

  /**
   * Upserts a batch of run items by (run, item id, trial) in one transaction: a re-sent item
   * replaces the stored row and all its scores (keeping its id and ordinal); new items get the
   * next ordinals. Within a batch, the last copy of a key wins. `inTransaction`: the caller's
   * transaction (which may have locked the run already), else one of its own.
   */
  async addItems(
    projectId: string,
    runId: string,
    items: readonly StoredItemResult[],
    inTransaction?: Executor,
  ): Promise<{ accepted: number; inserted: number }> {
    const latest = new Map<string, StoredItemResult>()
    for (const it of items) latest.set(`${it.trial}\u0000${it.itemId}`, it)
    const unique = [...latest.values()]
    let enqueued = 0
    const work = async (trx: Executor) => {
      const run = await repo.lockRun(trx, runId, projectId)
      if (!run) throw new NotFoundError('run', runId)
      const locked = run
      const status = nextRunStatus(run.id, locked.status as RunStatus, 'items', () => 'succeeded')
      const existing = await itemRepo.findRunItemsByKeys(trx, this.store, run.id, [
        ...new Set(unique.map((i) => i.itemId)),
      ])
      const byKey = new Map(existing.map((e) => [`${e.trial}\u0000${e.item_id}`, e]))
      const replaced: number[] = []
      const now = nowIso()
      let seq = locked.item_seq
      const itemRows: SqlValue[][] = new Array(unique.length)
      const scoreRows: SqlValue[][] = []
      const completed: number[] = []
      // serialising a large batch takes a while: hand the event loop back now and then
      const slice = new TimeSlice()
      for (let i = 0; i < unique.length; i++) {
        if ((i & 31) === 31 && slice.due()) await slice.pause()
        const it = unique[i]!
        const old = byKey.get(`${it.trial}\u0000${it.itemId}`)
        let ordinal: number
        if (old) {
          ordinal = old.ordinal
          replaced.push(old.ordinal)
        } else {
          ordinal = ++seq
        }
        itemRows[i] = itemRepo.encodeRunItem(run.id, ordinal, it, outcomeOf(it), now)
        if (it.status === 'completed') completed.push(ordinal)
        for (let p = 0; p < it.scores.length; p++)
          scoreRows.push(itemRepo.encodeScore(run.id, ordinal, p, it.scores[p]!))
      }
      await itemRepo.deleteRunItems(trx, this.store, run.id, replaced)
      await itemRepo.insertRunItemRows(trx, this.store, itemRows, scoreRows)
      // the suite's server metrics score these items in the background (jobs commit with them)
      if (this.scoring && completed.length > 0 && (await this.scoring.metricsOfRun(trx, locked)).length > 0)
        enqueued = await this.scoring.enqueue(trx, projectId, run.id, completed)
      await repo.updateRun(trx, run.id, {
        item_seq: seq,
        summary_stale: 1,
        status:
          enqueued > 0 && locked.finalized === 1 ? nextRunStatus(run.id, status, 'evaluate', unused) : status,
        ...(enqueued > 0 ? { evaluation_status: 'running' } : {}),
        started_at: locked.started_at ?? now,
        updated_at: now,
      })
      return { accepted: items.length, inserted: seq - locked.item_seq }
    }
    const result = inTransaction ? await work(inTransaction) : await this.store.db.transaction().execute(work)
    // (inside a caller's transaction the jobs are not visible yet: the queue's next poll finds them)
    if (enqueued > 0) this.scoring?.wake()
    return result
  }

  /**
   * Every item is in but scores are still due (run status `evaluating`, see run-status.ts); the
   * verdict stays pending until a `finalize`.
   */
  async markEvaluating(projectId: string, runId: string): Promise<Run> {
    await this.store.db.transaction().execute(async (trx) => {
      const locked = await repo.lockRun(trx, runId, projectId)
      if (!locked) throw new NotFoundError('run', runId)
      const status = nextRunStatus(runId, locked.status as RunStatus, 'evaluate', () => 'succeeded')
      if (status !== locked.status) await repo.updateRun(trx, runId, { status, updated_at: nowIso() })
    })
    return this.get(projectId, runId)
  }

  /**
   * Finalize (idempotent; every shard may call it): recomputes the summary and sets the terminal
   * status from the items (or the given outcome) with the verdict. While server-side scoring of
   * the run is outstanding the run is `evaluating` with a pending verdict instead, and concludes
   * when the scoring does (`settle`). A cancel also cancels that scoring.
   */
  async finalize(projectId: string, runId: string, body: FinalizeRunInput): Promise<Run> {
    const run = await repo.findRun(this.store.db, projectId, runId)
    if (!run) throw new NotFoundError('run', runId)
    await this.store.db.transaction().execute(async (trx) => {
      const locked = await repo.lockRun(trx, run.id)
      if (!locked) throw new NotFoundError('run', runId)
      const event = body.outcome === 'completed' ? 'complete' : body.outcome === 'failed' ? 'fail' : 'cancel'
      const errorDescription = joinErrors(locked.error_description, body.errorDescription)
      if (event === 'cancel') await cancelJobs(trx, { subject: run.id, kind: SCORE_ITEMS_KIND }, nowIso())
      await fillUsageFromSpans(trx, locked)
      const patch = await this.conclude(trx, locked, event, errorDescription)
      await repo.updateRun(trx, run.id, { ...patch, error_description: errorDescription, finalized: 1 })
    })
    return this.get(projectId, runId)
  }

  /**
   * Concludes a finalized run whose server-side scoring is done: final status, summary, verdict
   * and evaluation status. A no-op while scoring is outstanding, for a run not finalized, or one
   * already concluded. Called when a run's scoring jobs finish, and on reads of an evaluating run
   * (so a server that died between the two cannot leave it evaluating).
   */
  async settle(runId: string): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      const locked = await repo.lockRun(trx, runId)
      if (!locked || locked.finalized === 0 || locked.evaluation_status !== 'running') return
      const patch = await this.conclude(trx, locked, 'complete', locked.error_description)
      if (patch.evaluation_status !== 'running') await repo.updateRun(trx, runId, patch)
    })
  }

  /**
   * The status, summary (with verdict) and evaluation status of a finalized run after `event`:
   * `evaluating` with a pending verdict while server scoring is outstanding; else the terminal
   * status, and the evaluation `failed` when some server score or scoring job could not be done.
   */
  private async conclude(
    trx: Executor,
    locked: RunsTable,
    event: RunEvent,
    errorDescription: string | null,
  ): Promise<Partial<RunsTable>> {
    const counted = await this.computeFor(trx, locked)
    const now = nowIso()
    let status = nextRunStatus(locked.id, locked.status as RunStatus, event, () => finalStatus(counted))
    const { outstanding, failed } = await evaluationState(trx, locked.id)
    if (outstanding > 0) status = nextRunStatus(locked.id, status, 'evaluate', unused)
    const summary = withVerdict(counted, { status, errorDescription })
    return {
      status,
      evaluation_status: outstanding > 0 ? 'running' : failed ? 'failed' : 'completed',
      summary: JSON.stringify(summary),
      summary_stale: 0,
      started_at: locked.started_at ?? now,
      finished_at: outstanding > 0 ? null : now,
      updated_at: now,
    }
  }

  async results(
    projectId: string,
    runId: string,
    q: { page: number; perPage: number; status?: ResultsFilter },
  ): Promise<{ run: Run; items: RunItem[]; page: number; perPage: number; total: number }> {
    const { db } = this.store
    const row = await repo.findRun(db, projectId, runId)
    if (!row) throw new NotFoundError('run', runId)
    const run = await this.toWire(row)
    const total = q.status ? await itemRepo.countRunItems(db, row.id, q.status) : run.summary.totalItems
    const rows = await itemRepo.listRunItemsPage(db, row.id, {
      ...(q.status ? { outcome: q.status } : {}),
      offset: (q.page - 1) * q.perPage,
      limit: q.perPage,
    })
    const items = await this.withScores(db, rows)
    return { run, items, page: q.page, perPage: q.perPage, total }
  }

  /** One run item by its 1-based ordinal (Gradient's prompt_id). */
  async itemByOrdinal(projectId: string, runId: string, ordinal: number): Promise<RunItem> {
    const { db } = this.store
    const row = await repo.findRun(db, projectId, runId)
    if (!row) throw new NotFoundError('run', runId)
    const item = await itemRepo.findRunItemByOrdinal(db, row.id, ordinal)
    if (!item) throw new NotFoundError(`run ${runId} item`, ordinal)
    return (await this.withScores(db, [item]))[0]!
  }

  async itemByKey(projectId: string, runId: string, itemId: string, trial: number): Promise<RunItem> {
    const { db } = this.store
    const row = await repo.findRun(db, projectId, runId)
    if (!row) throw new NotFoundError('run', runId)
    const item = await itemRepo.findRunItemByKey(db, row.id, itemId, trial)
    if (!item) throw new NotFoundError(`run ${runId} item`, `${itemId}#${trial}`)
    return (await this.withScores(db, [item]))[0]!
  }

  /** Per-item deltas of `headId` against `baseId` (head − base), new failures and fixed items. */
  async compare(projectId: string, headId: string, baseId: string): Promise<RunCompare> {
    const { db } = this.store
    const [head, base] = await Promise.all([this.get(projectId, headId), this.get(projectId, baseId)])
    const [h, b] = await Promise.all([
      itemRepo.loadCompareRows(db, head.id),
      itemRepo.loadCompareRows(db, base.id),
    ])
    const scoreMap = (rows: typeof h) => {
      const m = new Map<number, Map<string, number | null>>()
      for (const s of rows.scores) {
        let per = m.get(s.ordinal)
        if (!per) {
          per = new Map()
          m.set(s.ordinal, per)
        }
        if (!per.has(s.metric)) per.set(s.metric, s.score)
      }
      return m
    }
    const hScores = scoreMap(h)
    const bScores = scoreMap(b)
    const key = (i: { item_id: string; trial: number }) => `${i.trial}\u0000${i.item_id}`
    const baseByKey = new Map(b.items.map((i) => [key(i), i]))
    const seen = new Set<string>()
    const items: RunCompare['items'] = []
    const newFailures: RunCompare['newFailures'] = []
    const fixed: RunCompare['fixed'] = []
    const passedOf = (o: string | undefined) => (o === undefined ? null : o === 'passed')
    const pushItem = (itemId: string, trial: number, hi?: (typeof h.items)[0], bi?: (typeof b.items)[0]) => {
      const hs = hi ? hScores.get(hi.ordinal) : undefined
      const bs = bi ? bScores.get(bi.ordinal) : undefined
      const deltas: Record<string, number | null> = {}
      for (const metric of new Set([...(hs?.keys() ?? []), ...(bs?.keys() ?? [])])) {
        const hv = hs?.get(metric)
        const bv = bs?.get(metric)
        deltas[metric] = hv == null || bv == null ? null : hv - bv
      }
      const headPassed = passedOf(hi?.outcome)
      const basePassed = passedOf(bi?.outcome)
      items.push({ itemId, trial, basePassed, headPassed, deltas })
      if (basePassed === true && headPassed === false) newFailures.push({ itemId, trial })
      if (basePassed === false && headPassed === true) fixed.push({ itemId, trial })
    }
    for (const hi of h.items) {
      const k = key(hi)
      seen.add(k)
      pushItem(hi.item_id, hi.trial, hi, baseByKey.get(k))
    }
    for (const bi of b.items) if (!seen.has(key(bi))) pushItem(bi.item_id, bi.trial, undefined, bi)
    const baseMetrics = new Map(base.summary.metrics.map((m) => [m.name, m.mean]))
    const headMetrics = new Map(head.summary.metrics.map((m) => [m.name, m.mean]))
    const metrics = [...new Set([...headMetrics.keys(), ...baseMetrics.keys()])].map((name) => {
      const headMean = headMetrics.get(name) ?? null
      const baseMean = baseMetrics.get(name) ?? null
      return {
        name,
        baseMean,
        headMean,
        delta: headMean === null || baseMean === null ? null : headMean - baseMean,
      }
    })
    return { base, head, metrics, items, newFailures, fixed }
  }

  private async withScores(db: Executor, rows: Awaited<ReturnType<typeof itemRepo.listRunItemsPage>>) {
    const runId = rows[0]?.run_id
    if (runId === undefined) return []
    const scores = await itemRepo.listScoresForItems(
      db,
      runId,
      rows.map((r) => r.ordinal),
    )
    const byItem = new Map<number, ScoresTable[]>()
    for (const s of scores) {
      let list = byItem.get(s.ordinal)
      if (!list) {
        list = []
        byItem.set(s.ordinal, list)
      }
      list.push(s)
    }
    return rows.map((r) => toRunItem(r, byItem.get(r.ordinal) ?? []))
  }

  /** The wire run, refreshing a stale cached summary first. */
  private async toWire(row: repo.RunRow): Promise<Run> {
    if (row.finalized === 1 && row.evaluation_status === 'running') {
      await this.settle(row.id)
      const settled = await repo.findRun(this.store.db, row.project_id, row.id)
      if (settled) row = settled
    }
    if (row.summary_stale === 0 && row.summary !== null)
      return toRun(row, JSON.parse(row.summary) as RunSummary)
    const refreshed = await this.refresh(row.id)
    return toRun({ ...refreshed, suite_name: row.suite_name }, JSON.parse(refreshed.summary!) as RunSummary)
  }

  /** Recomputes and stores the summary under the run's lock; returns the updated run row. */
  private async refresh(runId: string): Promise<RunsTable> {
    return this.store.db.transaction().execute(async (trx) => {
      const locked = await repo.lockRun(trx, runId)
      if (!locked) throw new NotFoundError('run', runId)
      if (locked.summary_stale === 0 && locked.summary !== null) return locked
      if (locked.finalized === 1) {
        // Late items of a finished run: its status is derived again, as a `complete` would.
        const patch = await this.conclude(trx, locked, 'complete', locked.error_description)
        if (locked.finished_at !== null && patch.finished_at !== null) patch.finished_at = locked.finished_at
        await repo.updateRun(trx, runId, patch)
        return { ...locked, ...patch }
      }
      const summary = await this.computeFor(trx, locked)
      const patch: Partial<RunsTable> = { summary: JSON.stringify(summary), summary_stale: 0 }
      await repo.updateRun(trx, runId, patch)
      return { ...locked, ...patch }
    })
  }

  /** The run's summary from its items, with a pending verdict (the caller decides the status). */
  private async computeFor(db: Executor, run: RunsTable): Promise<RunSummary> {
    const version = await suiteRepo.findSuiteVersion(db, run.suite_id, run.suite_version)
    const suite: SummarySuite = {
      metrics: version ? (JSON.parse(version.metrics) as MetricDef[]) : [],
      star: version?.star ? (JSON.parse(version.star) as StarMetric) : null,
      gate: version?.gate ? (JSON.parse(version.gate) as Gate) : null,
    }
    const rows = await itemRepo.loadSummaryRows(db, run.id)
    const items = rows.items.map((r) => ({
      status: r.status,
      passed: r.passed !== 0,
      latencyMs: r.latency_ms,
      startedAtMs: Date.parse(r.started_at),
      costUsd: r.cost_usd,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
    }))
    const scores = rows.scores.map((s) => ({
      metric: s.metric,
      score: s.score,
      passed: s.passed === null ? null : s.passed !== 0,
      threshold: s.threshold,
      inverted: s.inverted !== 0,
      errored: s.has_error !== 0,
    }))
    const summary = computeSummary(items, scores, suite)
    const runMetrics = suite.gate?.runMetrics
    if (!runMetrics) return summary
    return withRunMetrics(summary, suite.gate, await runMetricsOf(db, run.id, runMetrics))
  }
}

const unused = (): never => {
  throw new Error('unreachable: the evaluate event derives no status')
}

/** Server scoring of a run still to do, and whether any of it could not be done. */
async function evaluationState(
  db: Executor,
  runId: string,
): Promise<{ outstanding: number; failed: boolean }> {
  const jobs = await countJobsByStatus(db, runId, SCORE_ITEMS_KIND)
  const outstanding = (jobs.queued ?? 0) + (jobs.running ?? 0)
  const failed =
    (jobs.failed ?? 0) + (jobs.cancelled ?? 0) > 0 || (await countServerScoreErrors(db, runId)) > 0
  return { outstanding, failed }
}

/** Error texts of every participant that reported a failure, each once, in order. */
function joinErrors(stored: string | null, reported: string | undefined): string | null {
  if (reported === undefined || reported === '') return stored
  if (stored === null || stored === '') return reported
  return stored.split('\n').includes(reported) ? stored : `${stored}\n${reported}`
}

/** The row of a new, queued run of `suite` (its current version and dataset version). */
export function newRunRow(
  projectId: string,
  suite: Pick<Suite, 'id' | 'version' | 'datasetVersion' | 'turnType'>,
  run: {
    id: string
    runGroup: string
    name: string
    origin: string
    expectedItems: number | null
    now: string
  },
): RunsTable {
  return {
    id: run.id,
    project_id: projectId,
    suite_id: suite.id,
    suite_version: suite.version,
    run_group: run.runGroup,
    name: run.name,
    status: 'queued',
    evaluation_status: 'pending',
    dataset_version: suite.datasetVersion,
    turn_type: suite.turnType,
    origin: run.origin,
    error_description: null,
    expected_items: run.expectedItems,
    item_seq: 0,
    summary: null,
    summary_stale: 1,
    finalized: 0,
    queued_at: run.now,
    started_at: null,
    finished_at: null,
    created_at: run.now,
    updated_at: run.now,
  }
}

/**
 * Items whose client reported no tokens or cost take them from their spans (item-usage.ts), when
 * the project has spans at all: a run's spans are exported by the end of its tests (a flush in the
 * workers' teardown), so they are in by its finalize. Spans that arrive later do not count.
 */
async function fillUsageFromSpans(trx: Executor, run: RunsTable): Promise<void> {
  if (!(await spanRepo.hasSpans(trx, run.project_id))) return
  const items = await itemRepo.listUnmeteredTracedItems(trx, run.id, run.project_id)
  await applySpanUsage(trx, run.project_id, run.id, items, { latency: false })
}
