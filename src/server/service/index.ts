import type { Store } from '../../store/open.js'
import { AgentRunService } from '../agents/agent-runs.js'
import { AgentService } from '../agents/agents.js'
import { JobQueue, type JobQueueOptions } from '../jobs/queue.js'
import { ServerScoring, type ServerScoringOptions } from '../scoring/index.js'
import { DatasetService } from './datasets.js'
import { MetricService } from './metrics.js'
import { ProjectService } from './projects.js'
import { RunService } from './runs.js'
import { SpanService } from './spans.js'
import { SuiteService } from './suites.js'

export * from './datasets.js'
export * from './errors.js'
export * from './metrics.js'
export * from './projects.js'
export * from './runs.js'
export * from './spans.js'
export * from './suites.js'

/** The rules of evalgate, independent of HTTP; every function is scoped to a project id. */
export interface Services {
  store: Store
  projects: ProjectService
  datasets: DatasetService
  metrics: MetricService
  suites: SuiteService
  runs: RunService
  spans: SpanService
  /** Background work shared by every server on the database (src/server/jobs/README.md). */
  jobs: JobQueue
  /** Server-side evaluators: scoring jobs and their judge model (src/server/scoring/). */
  scoring: ServerScoring
  /** Agents (OpenAI-compatible endpoints) and the Gradient evaluation runs that call them. */
  agents: AgentService
  agentRuns: AgentRunService
}

export interface ServicesOptions {
  jobs?: JobQueueOptions
  scoring?: ServerScoringOptions
}

export function createServices(store: Store, opts: ServicesOptions = {}): Services {
  const projects = new ProjectService(store)
  const datasets = new DatasetService(store)
  const metrics = new MetricService(store)
  const suites = new SuiteService(store, metrics)
  const runs = new RunService(store, suites)
  const spans = new SpanService(store)
  const jobs = new JobQueue(store, opts.jobs)
  const scoring = new ServerScoring(store, jobs, opts.scoring)
  runs.scoring = scoring
  scoring.onRunSettled((runId) => runs.settle(runId))
  const agents = new AgentService(store)
  const agentRuns = new AgentRunService(store, runs, suites, datasets, agents)
  agentRuns.attach(jobs)
  return { store, projects, datasets, metrics, suites, runs, spans, jobs, scoring, agents, agentRuns }
}
