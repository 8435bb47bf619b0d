import pLimit from 'p-limit'
import type { ReplayMode } from '../../replay/mode.js'
import { runInScope } from '../../replay/scope.js'
import { flushRecordingsAsync } from '../../replay/store.js'
import type { Agent } from '../../schema/agents.js'
import { type RunStatus, type Suite, TERMINAL_RUN_STATUSES } from '../../schema/api.js'
import type { ItemResult } from '../../schema/meta.js'
import type { MetricDef } from '../../schema/metric.js'
import type { Executor } from '../../store/bulk.js'
import type { Store } from '../../store/open.js'
import * as agentRepo from '../../store/repos/agents.js'
import * as runRepo from '../../store/repos/runs.js'
import type { AgentRunsTable } from '../../store/schema.js'
import type { JobQueue } from '../jobs/queue.js'
import type { DatasetService } from '../service/datasets.js'
import { NotFoundError, ServiceError, ValidationError } from '../service/errors.js'
import { newRunRow, type RunService } from '../service/runs.js'
import type { SuiteService } from '../service/suites.js'
import { newId, nowIso } from '../service/util.js'
import type { AgentEndpoint, AgentService } from './agents.js'
import { type AgentRow, callAgent } from './call-agent.js'
import { agentRecordingsFile, agentReplayMode, agentReplayScope } from './replay.js'
import { scoreItems } from './score-items.js'

/** `origin` of runs made by an agent run. */
export const AGENT_RUN_ORIGIN = 'gradient-agent'

/** How often a working agent run looks for a cancel request (written by any server). */
const CANCEL_POLL_MS = 200
/** Answered rows are written in batches of at most this many, at least this often. */
const FLUSH_ITEMS = 100
const FLUSH_MS = 250
const PAGE = 500
const MAX_AGENTS_PER_REQUEST = 50

export interface CreateAgentRunsInput {
  testCaseId: string
  runName: string
  agentIds: readonly string[]
}

/**
 * Scores answered rows with the metrics the agent run computes itself (the default: scoreItems,
 * the built-in evaluators). Metrics with a server evaluator are not given to it: the run service
 * scores those in the background as rows are written (src/server/scoring/).
 */
export type RowScorer = (
  items: readonly ItemResult[],
  metrics: readonly MetricDef[],
  signal: AbortSignal,
) => Promise<ItemResult[]>

/** The job kind of agent runs (src/server/jobs); payload `{ runId }`, subject the run id. */
export const AGENT_RUN_JOB = 'agent-run'
/** Claims of one agent run before it is given up and the run marked failed (a server dying mid-run costs one). */
const AGENT_RUN_ATTEMPTS = 3

/** What `execute` reports, for logs and tests. */
export type ExecuteOutcome = 'finished' | 'cancelled' | 'failed' | 'skipped'

/**
 * Gradient evaluation runs: one run per agent drives the test case's dataset through the agent
 * (bounded concurrency, a timeout per call), scores each answer with the test case's metrics and
 * finalizes the run (the verdict comes from src/gate through RunService.finalize).
 *
 * Phases (agent_runs.phase) and run statuses:
 *   queued  → run `queued`                       (EVALUATION_RUN_QUEUED)
 *   dataset → run `running`                      (EVALUATION_RUN_RUNNING_DATASET): rows answered,
 *             scored with the built-in metrics and written in batches; rows with server metrics
 *             (judges by id) are queued for server scoring as they are written
 *   done    → finalized: `evaluating` while server scoring is outstanding
 *             (EVALUATION_RUN_EVALUATING_RESULTS), then succeeded / partially_succeeded / failed;
 *             or cancelled
 * A cancel asked for while the run works shows as CANCELLING until the worker stops.
 *
 * All state is in the database, so `execute` may run on any server and be re-run after a crash:
 * rows already answered are kept and only the others are sent to the agent again.
 */
export class AgentRunService {
  private queue: JobQueue | null = null

  constructor(
    private readonly store: Store,
    private readonly runs: RunService,
    private readonly suites: SuiteService,
    private readonly datasets: DatasetService,
    private readonly agents: AgentService,
    private readonly scorer: RowScorer = scoreItems,
  ) {}

  /**
   * Registers the agent-run handler on the server's job queue: any server on the database may run
   * a run, and one whose server died is taken over when its lease lapses. A run whose job fails
   * for good (attempts used up) is marked failed with the reason, so no run stays running.
   */
  attach(queue: JobQueue): void {
    this.queue = queue
    queue.register<{ runId: string }>(
      AGENT_RUN_JOB,
      (payload, { signal }) => this.execute(payload.runId, signal),
      {
        maxAttempts: AGENT_RUN_ATTEMPTS,
        onFailed: async (job, error) => {
          const runId = (job.payload as { runId?: string } | null)?.runId
          if (typeof runId !== 'string') return
          const run = await runRepo.findRun(this.store.db, job.projectId, runId)
          if (!run || TERMINAL_RUN_STATUSES.includes(run.status as RunStatus)) return
          await this.finishFailed(job.projectId, runId, `the evaluation run was given up: ${error}`)
        },
      },
    )
  }

  /**
   * One queued run per agent; 404 naming the first unknown test case or agent id, 400 when the test
   * case has no dataset stored on this server.
   */
  async create(projectId: string, input: CreateAgentRunsInput): Promise<string[]> {
    if (input.agentIds.length > MAX_AGENTS_PER_REQUEST)
      throw new ValidationError(
        `agent_uuids names ${input.agentIds.length} agents; at most ${MAX_AGENTS_PER_REQUEST} per request`,
        'agent_uuids',
      )
    if (input.runName.length > 300)
      throw new ValidationError(`run_name is ${input.runName.length} characters; at most 300`, 'run_name')
    const suite = await this.suites.get(projectId, input.testCaseId)
    const agents: Agent[] = []
    for (const id of input.agentIds) agents.push(await this.agents.get(projectId, id))
    if (!suite.datasetId)
      throw new ValidationError(
        `test case ${JSON.stringify(suite.id)} has no dataset on this server: create it with a dataset_uuid`,
        'test_case_uuid',
      )
    const dataset = await this.datasets.get(projectId, suite.datasetId)
    const queue = this.queue
    if (!queue)
      throw new ServiceError(422, 'no_worker', 'this server does not run agents (no job queue is attached)')
    const now = nowIso()
    const ids: string[] = []
    const enqueue = (runId: string, db?: Executor) =>
      queue.enqueue(
        projectId,
        AGENT_RUN_JOB,
        { runId },
        { key: runId, subject: runId, ...(db ? { db } : {}) },
      )
    await this.store.db.transaction().execute(async (trx) => {
      for (const agent of agents) {
        const id = newId()
        const run = newRunRow(projectId, suite, {
          id,
          runGroup: id,
          name: input.runName,
          origin: AGENT_RUN_ORIGIN,
          expectedItems: dataset.itemCount,
          now,
        })
        await runRepo.insertRunIfAbsent(trx, run)
        await agentRepo.insertAgentRun(trx, {
          run_id: id,
          project_id: projectId,
          agent_id: agent.id,
          agent_name: agent.name,
          dataset_id: dataset.id,
          phase: 'queued',
          cancel_requested: 0,
          created_at: now,
          updated_at: now,
        })
        // the job commits with the run: a crash cannot leave a queued run without its job
        await enqueue(id, trx)
        ids.push(id)
      }
    })
    // same key: no second job, but this server's queue claims it now instead of at its next poll
    for (const id of ids) await enqueue(id)
    return ids
  }

  /** The agent side of a run, or undefined for a run not made by an agent run. */
  async find(projectId: string, runId: string): Promise<AgentRunsTable | undefined> {
    return agentRepo.findAgentRun(this.store.db, runId, projectId)
  }

  /**
   * Asks the run to stop. A queued run is cancelled at once; a working one is marked and its
   * worker stops within CANCEL_POLL_MS (in-flight agent calls are aborted, answered rows kept).
   * A finished run is left as it is. Returns the run's status after the request, `cancelling`
   * while a worker still has to stop.
   */
  async cancel(projectId: string, runId: string): Promise<{ id: string; status: RunStatus | 'cancelling' }> {
    const agentRun = await agentRepo.findAgentRun(this.store.db, runId, projectId)
    if (!agentRun) {
      await this.runs.get(projectId, runId) // 404 for an unknown run
      throw new ValidationError(
        `run ${JSON.stringify(runId)} was not made by an agent: only evaluation runs of agents can be cancelled here`,
      )
    }
    const run = await this.runs.get(projectId, runId)
    if (TERMINAL_RUN_STATUSES.includes(run.status)) return { id: runId, status: run.status }
    await agentRepo.updateAgentRun(this.store.db, runId, { cancel_requested: 1, updated_at: nowIso() })
    if (agentRun.phase !== 'dataset') {
      // queued: no worker has it yet (one claiming it now sees the request and stops at once);
      // done: only server scoring is left, which the cancel stops too
      await this.queue?.cancel({ subject: runId, kind: AGENT_RUN_JOB })
      const done = await this.finishCancelled(projectId, runId)
      return { id: runId, status: done.status }
    }
    return { id: runId, status: 'cancelling' }
  }

  /**
   * For the Gradient run shape, by run id: the agent of each run made by an agent run (and
   * whether it was removed since) and whether a cancel is pending (CANCELLING). Runs not made by
   * an agent run are absent.
   */
  async gradientFacts(
    projectId: string,
    runs: ReadonlyArray<{ id: string; status: RunStatus }>,
  ): Promise<Map<string, { agent: { uuid: string; name: string; deleted: boolean }; cancelling: boolean }>> {
    const rows = await agentRepo.listAgentRunsWithAgent(
      this.store.db,
      projectId,
      runs.map((r) => r.id),
    )
    const status = new Map(runs.map((r) => [r.id, r.status]))
    return new Map(
      rows.map((r) => [
        r.run_id,
        {
          agent: { uuid: r.agent_id, name: r.agent_name, deleted: r.agent_exists === 0 },
          cancelling: r.cancel_requested === 1 && !TERMINAL_RUN_STATUSES.includes(status.get(r.run_id)!),
        },
      ]),
    )
  }

  /**
   * Does (or resumes) the work of one agent run; the queue's worker calls it. `signal` aborts it
   * when the server stops or loses the job's lease: the run is then left as it is for the next
   * worker. Errors of the agent never escape: they become failed rows; an error of the run itself
   * (agent removed, key not available) fails the run with the error kept.
   */
  async execute(runId: string, signal: AbortSignal): Promise<ExecuteOutcome> {
    const agentRun = await agentRepo.findAgentRun(this.store.db, runId)
    if (!agentRun || agentRun.phase === 'done') return 'skipped'
    const { project_id: projectId } = agentRun
    const run = await this.runs.get(projectId, runId)
    // finalized already (a crash before the phase was recorded): `evaluating` waits for server scoring
    if (TERMINAL_RUN_STATUSES.includes(run.status) || run.status === 'evaluating') {
      await this.setPhase(runId, 'done')
      return 'skipped'
    }
    if (agentRun.cancel_requested === 1) {
      await this.finishCancelled(projectId, runId)
      return 'cancelled'
    }
    let agent: AgentEndpoint
    let suite: Suite
    try {
      agent = await this.agents.endpoint(projectId, agentRun.agent_id)
      suite = await this.suites.get(projectId, run.suiteId, run.suiteVersion)
    } catch (error) {
      const message =
        error instanceof NotFoundError && error.message.startsWith('agent')
          ? `agent ${JSON.stringify(agentRun.agent_name)} (${agentRun.agent_id}) was removed before the run could call it`
          : (error as Error).message
      await this.finishFailed(projectId, runId, message)
      return 'failed'
    }

    // a cancel request (from any server) aborts the agent calls in flight
    const stop = new AbortController()
    const onAbort = () => stop.abort(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    let cancelled = false
    const poll = setInterval(() => {
      agentRepo.findAgentRun(this.store.db, runId).then(
        (r) => {
          if (r?.cancel_requested === 1 && !stop.signal.aborted) {
            cancelled = true
            stop.abort(new Error('cancelled'))
          }
        },
        () => {},
      )
    }, CANCEL_POLL_MS)
    try {
      await this.setPhase(runId, 'dataset')
      await runRepo.updateRun(this.store.db, runId, {
        status: 'running',
        started_at: run.startedAt ?? nowIso(),
        updated_at: nowIso(),
      })
      const ownMetrics = suite.metrics.filter((m) => m.evaluator === undefined)
      const replay = { mode: agentReplayMode(), file: agentRecordingsFile(suite.name, agent.name) }
      await this.runDataset(projectId, runId, agentRun.dataset_id, agent, ownMetrics, replay, stop.signal)
      if (signal.aborted) return 'skipped'
      if (cancelled || stop.signal.aborted) {
        await this.finishCancelled(projectId, runId)
        return 'cancelled'
      }
      const failures = await this.failureNote(projectId, runId)
      // `evaluating` while server scoring of the rows is outstanding; concluded when it is done
      await this.runs.finalize(projectId, runId, {
        outcome: 'completed',
        ...(failures ? { errorDescription: failures } : {}),
      })
      await this.setPhase(runId, 'done')
      return 'finished'
    } catch (error) {
      if (signal.aborted) return 'skipped'
      if (cancelled) {
        await this.finishCancelled(projectId, runId)
        return 'cancelled'
      }
      await this.finishFailed(projectId, runId, `the evaluation run failed: ${(error as Error).message}`)
      return 'failed'
    } finally {
      clearInterval(poll)
      signal.removeEventListener('abort', onAbort)
    }
  }

  /** Sends every row not answered yet to the agent, writing answers in batches as they come. */
  private async runDataset(
    projectId: string,
    runId: string,
    datasetId: string,
    agent: AgentEndpoint,
    metrics: readonly MetricDef[],
    replay: { mode: ReplayMode; file: string },
    signal: AbortSignal,
  ): Promise<void> {
    const answered = new Set(await agentRepo.listRunItemIds(this.store.db, runId))
    const rows: AgentRow[] = []
    for (let page = 1; ; page++) {
      const { items, total } = await this.datasets.listItems(projectId, datasetId, page, PAGE)
      items.forEach((item, i) => {
        if (answered.has(item.id)) return
        rows.push({
          itemId: item.id,
          index: (page - 1) * PAGE + i,
          input: item.input,
          ...(item.expected !== undefined ? { expected: item.expected } : {}),
          tags: item.tags,
          metadata: item.metadata,
        })
      })
      if (items.length === 0 || page * PAGE >= total) break
    }
    const writer = new BatchWriter((batch) => this.runs.addItems(projectId, runId, batch).then(() => {}))
    const limit = pLimit(agent.concurrency)
    try {
      await Promise.all(
        rows.map((row) =>
          limit(async () => {
            if (signal.aborted) return
            const scope = agentReplayScope(replay.mode, replay.file, row.itemId)
            const call = () => callAgent(agent, row, signal)
            const result = await (scope ? runInScope(scope, call) : call())
            // an answer cut short by a cancel or a shutdown is not an answer: the row stays to do
            if (signal.aborted) return
            const [scored] = await this.scorer([result], metrics, signal)
            if (signal.aborted || !scored) return
            writer.add(scored)
          }),
        ),
      )
    } finally {
      limit.clearQueue()
      try {
        if (replay.mode !== 'off') await flushRecordingsAsync()
      } catch {
        // an unwritable recordings directory costs the cache, not the answers
      }
      await writer.close()
    }
  }

  /** `2 of 5 rows failed at the agent; first: …` when some did (the run's error_description). */
  private async failureNote(projectId: string, runId: string): Promise<string | null> {
    const res = await this.runs.results(projectId, runId, { page: 1, perPage: 1, status: 'errored' })
    const first = res.items[0]
    if (!first) return null
    const total = res.run.summary.totalItems
    return `${res.total} of ${total} rows failed at the agent; first (row ${first.ordinal}): ${first.error?.message ?? first.status}`
  }

  private async setPhase(runId: string, phase: 'dataset' | 'done'): Promise<void> {
    await agentRepo.updateAgentRun(this.store.db, runId, { phase, updated_at: nowIso() })
  }

  private async finishCancelled(projectId: string, runId: string) {
    const run = await this.runs.finalize(projectId, runId, {
      outcome: 'cancelled',
      errorDescription: 'cancelled on request',
    })
    await this.setPhase(runId, 'done')
    return run
  }

  private async finishFailed(projectId: string, runId: string, message: string): Promise<void> {
    await this.runs.finalize(projectId, runId, { outcome: 'failed', errorDescription: message })
    await this.setPhase(runId, 'done')
  }
}

/**
 * Collects answered rows and writes them at most FLUSH_ITEMS at a time, one write at a time, at
 * least every FLUSH_MS; `close` writes what is left and reports the first write error.
 */
class BatchWriter {
  private buffer: ItemResult[] = []
  private chain: Promise<void> = Promise.resolve()
  private error: unknown = null
  private readonly timer: NodeJS.Timeout

  constructor(private readonly write: (batch: ItemResult[]) => Promise<void>) {
    this.timer = setInterval(() => this.flush(), FLUSH_MS)
  }

  add(item: ItemResult): void {
    this.buffer.push(item)
    if (this.buffer.length >= FLUSH_ITEMS) this.flush()
  }

  private flush(): void {
    if (this.buffer.length === 0) return
    const batch = this.buffer
    this.buffer = []
    this.chain = this.chain.then(() =>
      this.error === null
        ? this.write(batch).catch((e: unknown) => {
            this.error = e
          })
        : undefined,
    )
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    this.flush()
    await this.chain
    if (this.error !== null) throw this.error
  }
}
