import type { Store } from '../../store/open.js'
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
}

export function createServices(store: Store): Services {
  const projects = new ProjectService(store)
  const datasets = new DatasetService(store)
  const metrics = new MetricService(store)
  const suites = new SuiteService(store, metrics)
  const runs = new RunService(store, suites)
  const spans = new SpanService(store)
  return { store, projects, datasets, metrics, suites, runs, spans }
}
