import { join } from 'node:path'
import pLimit from 'p-limit'
import { runEvaluators } from '../../core/evaluate.js'
import type { EvalContext, Evaluator } from '../../evaluators/types.js'
import type { JudgeModelSettings } from '../../judges/config.js'
import { resolveJudgeModel } from '../../judges/config.js'
import { installReplay } from '../../replay/install.js'
import { type ReplayMode, resolveMode } from '../../replay/mode.js'
import { emptyStats, type ReplayScope, runInScope } from '../../replay/scope.js'
import { replaySettings } from '../../replay/settings.js'
import { flushRecordingsAsync } from '../../replay/store.js'
import type { JsonObject, JsonValue } from '../../schema/common.js'
import type { ScoreResult, ToolCall } from '../../schema/meta.js'
import type { MetricDef } from '../../schema/metric.js'
import type { Executor } from '../../store/bulk.js'
import type { Store } from '../../store/open.js'
import { listScoresForItems } from '../../store/repos/run-items.js'
import * as runRepo from '../../store/repos/runs.js'
import {
  listOrdinals,
  loadItemsByOrdinals,
  replaceServerScores,
  SERVER_SCORE_POSITION,
} from '../../store/repos/server-scores.js'
import { findSuiteVersion } from '../../store/repos/suites.js'
import type { RunItemsTable, ScoresTable } from '../../store/schema.js'
import type { Job, JobQueue } from '../jobs/queue.js'
import { NotFoundError } from '../service/errors.js'
import { nowIso } from '../service/util.js'
import { buildServerEvaluator, serverMetrics } from './catalogue.js'

export {
  buildServerEvaluator,
  checkServerEvaluatorRefs,
  findServerEvaluator,
  serverEvaluators,
  serverMetrics,
} from './catalogue.js'

/** Job kind of server-side scoring: payload `ScoreItemsPayload`, subject = the run id. */
export const SCORE_ITEMS_KIND = 'score-items'

export interface ScoreItemsPayload {
  runId: string
  ordinals: number[]
}

export interface ServerScoringOptions {
  /**
   * The judge model of server-side evaluators (model, baseURL, apiKey …). Fields left out come
   * from the environment like a client-side judge's: EVALGATE_JUDGE_MODEL, OPENAI_BASE_URL,
   * OPENAI_API_KEY.
   */
  judge?: JudgeModelSettings
  /** Record/replay of judge calls (src/replay): mode (default EVALGATE_REPLAY, else `replay` on CI, `auto` elsewhere). */
  replayMode?: ReplayMode
  /** Directory of the recordings, one `<suite>.jsonl` per suite. Default `.evalgate/judge-recordings`. */
  recordingsDir?: string
  /** Run items per scoring job. Default 10. */
  batchSize?: number
  /** Items of one job scored at once. Default 4. */
  itemConcurrency?: number
  /** Time limit of one item's evaluators. Default 120 s. */
  evaluatorTimeoutMs?: number
}

/** Called once every scoring job of a run has finished (the run service concludes the run). */
export type SettleRun = (runId: string) => Promise<void>

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'suite'
}

function evalContext(row: RunItemsTable, signal: AbortSignal): EvalContext {
  const parse = <T>(text: string | null): T | undefined =>
    text === null ? undefined : (JSON.parse(text) as T)
  return {
    input: parse<JsonValue>(row.input),
    output: parse<JsonValue>(row.output),
    expected: parse<JsonValue>(row.expected),
    metadata: parse<JsonObject>(row.metadata) ?? {},
    tags: parse<string[]>(row.tags) ?? [],
    // unknown (a Netra item before its spans): NaN, which `latency()` scores as not applicable
    latencyMs: row.latency_ms ?? Number.NaN,
    usage:
      row.input_tokens === null || row.output_tokens === null
        ? null
        : { inputTokens: row.input_tokens, outputTokens: row.output_tokens },
    costUsd: row.cost_usd,
    toolCalls: parse<ToolCall[]>(row.tool_calls) ?? null,
    signal,
  }
}

function scoreRow(
  runId: string,
  ordinal: number,
  position: number,
  s: ScoreResult,
  evaluatorId: string,
): ScoresTable {
  return {
    run_id: runId,
    ordinal,
    position,
    metric: s.metric,
    score: s.score,
    passed: s.passed === null ? null : s.passed ? 1 : 0,
    threshold: s.threshold,
    inverted: s.inverted ? 1 : 0,
    reason: s.reason ?? null,
    metadata: JSON.stringify({ ...(s.metadata ?? {}), source: 'server', evaluator: evaluatorId }),
    error: s.error ?? null,
    duration_ms: s.durationMs,
    source: 'server',
  }
}

/**
 * Server-side evaluators: scoring jobs on the job queue, one per batch of run items, each running
 * the suite's server metrics (src/server/scoring/catalogue.ts) with the server's judge model, under
 * record/replay. Scores are stored beside the uploaded ones (`source = 'server'`), the items'
 * pass/fail is recomputed, and once a run's jobs are all done the run service concludes it.
 */
export class ServerScoring {
  private readonly batchSize: number
  private readonly itemConcurrency: number
  private readonly evaluatorTimeoutMs: number
  private readonly recordingsDir: string
  private replayMode: ReplayMode | undefined
  private settleRun: SettleRun = async () => {}
  private readonly versionMetrics = new Map<string, MetricDef[]>()

  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
    private readonly options: ServerScoringOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 10)
    this.itemConcurrency = Math.max(1, options.itemConcurrency ?? 4)
    this.evaluatorTimeoutMs = options.evaluatorTimeoutMs ?? 120_000
    this.recordingsDir = options.recordingsDir ?? join('.evalgate', 'judge-recordings')
    jobs.register<ScoreItemsPayload>(SCORE_ITEMS_KIND, (payload, ctx) => this.scoreJob(payload, ctx), {
      maxAttempts: 3,
      onSettled: (job) => this.settleRun((job.payload as ScoreItemsPayload).runId),
    })
  }

  /** The run service's conclusion step, called when a run's scoring jobs are all done. */
  onRunSettled(settle: SettleRun): void {
    this.settleRun = settle
  }

  /** Claims the jobs just committed now rather than at the next poll. */
  wake(): void {
    this.jobs.wake()
  }

  /** The judge model server scores use (null: none configured; scores then record that error). */
  judgeModel(): string | null {
    return resolveJudgeModel(this.options.judge)?.model ?? null
  }

  /**
   * Enqueues scoring of these run items with the server metrics given (the suite version's, by
   * default), inside the caller's transaction when `db` is given. Returns how many jobs.
   */
  async enqueue(
    db: Executor | undefined,
    projectId: string,
    runId: string,
    ordinals: readonly number[],
  ): Promise<number> {
    const sorted = [...new Set(ordinals)].sort((a, b) => a - b)
    let jobs = 0
    for (let i = 0; i < sorted.length; i += this.batchSize) {
      const batch = sorted.slice(i, i + this.batchSize)
      await this.jobs.enqueue<ScoreItemsPayload>(
        projectId,
        SCORE_ITEMS_KIND,
        { runId, ordinals: batch },
        { subject: runId, ...(db ? { db } : {}) },
      )
      jobs++
    }
    return jobs
  }

  /**
   * The server metrics of a run's suite version ([] when it has none). Suite versions never
   * change once written, so they are remembered (every accepted batch asks).
   */
  async metricsOfRun(db: Executor, run: { suite_id: string; suite_version: number }): Promise<MetricDef[]> {
    const key = `${run.suite_id}\u0000${run.suite_version}`
    const known = this.versionMetrics.get(key)
    if (known) return known
    const version = await findSuiteVersion(db, run.suite_id, run.suite_version)
    if (!version) return []
    const metrics = serverMetrics(JSON.parse(version.metrics) as MetricDef[])
    if (this.versionMetrics.size >= 1000) this.versionMetrics.clear()
    this.versionMetrics.set(key, metrics)
    return metrics
  }

  /**
   * Scores items of a run with its suite's server metrics in the background (all items when
   * `ordinals` is left out) and marks the run's evaluation `running`; the run concludes (status,
   * verdict, evaluationStatus) once these jobs and any other of its scoring jobs are done and it
   * is finalized. Returns the number of jobs queued (0 when the suite has no server metrics).
   * Items uploaded through `runs.addItems` are scored without calling this.
   */
  async scoreItems(projectId: string, runId: string, ordinals?: readonly number[]): Promise<number> {
    const run = await runRepo.findRun(this.store.db, projectId, runId)
    if (!run) throw new NotFoundError('run', runId)
    if ((await this.metricsOfRun(this.store.db, run)).length === 0) return 0
    const targets = ordinals ?? (await listOrdinals(this.store.db, run.id))
    const jobs = await this.store.db.transaction().execute(async (trx) => {
      const n = await this.enqueue(trx, projectId, run.id, targets)
      if (n > 0) await runRepo.updateRun(trx, run.id, { evaluation_status: 'running', updated_at: nowIso() })
      return n
    })
    this.jobs.wake()
    return jobs
  }

  private replayScope(suiteName: string, item: RunItemsTable): ReplayScope | undefined {
    this.replayMode ??= this.options.replayMode ?? resolveMode(process.env, false)
    if (this.replayMode === 'off') return undefined
    installReplay()
    const { redact, salt } = replaySettings()
    return {
      mode: this.replayMode,
      file: join(this.recordingsDir, `${safeFileName(suiteName)}.jsonl`),
      item: item.item_id,
      trial: item.trial,
      salt,
      redact,
      occurrences: new Map(),
      stats: emptyStats(),
      problems: [],
    }
  }

  private async scoreJob(
    payload: ScoreItemsPayload,
    { job, signal }: { job: Job<ScoreItemsPayload>; signal: AbortSignal },
  ): Promise<{ scored: number; errors: number }> {
    const { db } = this.store
    const run = await runRepo.findRun(db, job.projectId, payload.runId)
    if (!run) return { scored: 0, errors: 0 } // deleted meanwhile
    const metrics = await this.metricsOfRun(db, run)
    const evaluators: Array<{ metric: MetricDef; evaluator: Evaluator }> = metrics.map((metric) => ({
      metric,
      evaluator: buildServerEvaluator(metric, this.options.judge),
    }))
    const items = (await loadItemsByOrdinals(db, run.id, payload.ordinals)).filter(
      (i) => i.status === 'completed',
    )
    if (evaluators.length === 0 || items.length === 0) return { scored: 0, errors: 0 }
    const limit = pLimit(this.itemConcurrency)
    const scored = await Promise.all(
      items.map((item) =>
        limit(async () => {
          const go = () =>
            runEvaluators(
              evaluators.map((e) => e.evaluator),
              evalContext(item, signal),
              this.evaluatorTimeoutMs,
              signal,
            )
          const scope = this.replayScope(run.suite_name, item)
          const results = await (scope ? runInScope(scope, go) : go())
          return { item, results }
        }),
      ),
    )
    try {
      await flushRecordingsAsync()
    } catch {
      // an unwritable recordings directory costs the cache, not the scores
    }
    if (signal.aborted) throw signal.reason
    let errors = 0
    await db.transaction().execute(async (trx) => {
      await runRepo.lockRun(trx, run.id)
      const current = new Map(
        (
          await loadItemsByOrdinals(
            trx,
            run.id,
            items.map((i) => i.ordinal),
          )
        ).map((r) => [r.ordinal, r]),
      )
      const uploaded = await listScoresForItems(
        trx,
        run.id,
        items.map((i) => i.ordinal),
      )
      const now = nowIso()
      for (const { item, results } of scored) {
        const row = current.get(item.ordinal)
        // re-uploaded while it was scored: its new content has a job of its own
        if (!row || row.updated_at !== item.updated_at) continue
        const own = uploaded.filter((s) => s.ordinal === item.ordinal && s.source !== 'server')
        const rows = results.map((r, i) =>
          scoreRow(run.id, item.ordinal, SERVER_SCORE_POSITION + i, r, evaluators[i]!.metric.evaluator!.id),
        )
        errors += results.filter((r) => r.error !== undefined).length
        const passed = [...own, ...rows].every((s) => s.passed !== 0)
        await replaceServerScores(trx, run.id, item.ordinal, rows, {
          passed: passed ? 1 : 0,
          outcome: passed ? 'passed' : 'failed',
          score_count: own.length + rows.length,
          updated_at: item.updated_at,
        })
      }
      await runRepo.updateRun(trx, run.id, { summary_stale: 1, updated_at: now })
    })
    return { scored: scored.length, errors }
  }
}
