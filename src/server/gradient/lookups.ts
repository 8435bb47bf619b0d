import { BUILTINS_BY_NAME } from '../../evaluators/builtins/by-name.js'
import { metricDefOf } from '../../evaluators/index.js'
import type { Dataset, Metric, Suite } from '../../schema/api.js'
import type { MetricDef } from '../../schema/metric.js'
import { serverEvaluatorMetricDefs } from '../scoring/catalogue.js'
import type { Services } from '../service/index.js'
import type { TestCaseContext } from './mappers.js'

/**
 * Look-ups the Gradient shapes need beyond one service call: metric uuids by name, dataset facts
 * (ground truth present, uploaded file size) and the built-in metrics offered in the catalogue.
 */

/**
 * Metric definitions of evalgate's built-in evaluators (those that need no options), and the
 * server-side judge metrics (`server:<evaluator id>`, scored by the server).
 */
export function builtinMetricDefs(): MetricDef[] {
  return [...clientMetricDefs(), ...serverEvaluatorMetricDefs()]
}

function clientMetricDefs(): MetricDef[] {
  return Object.values(BUILTINS_BY_NAME).map((make) => metricDefOf(make({})))
}

/**
 * The project's metrics catalogue, with the built-in metrics added under their names when the
 * project has none of that name (a metric the project defined itself is never overwritten), so
 * a Gradient client can build test cases on a fresh server.
 */
export async function catalogueWithBuiltins(services: Services, projectId: string): Promise<Metric[]> {
  const metrics = await services.metrics.list(projectId)
  const names = new Set(metrics.map((m) => m.name))
  const missing = builtinMetricDefs().filter((d) => !names.has(d.name))
  if (missing.length === 0) return metrics
  return services.metrics.upsertAll(projectId, missing)
}

export async function metricIdsByName(services: Services, projectId: string): Promise<Map<string, string>> {
  return new Map((await services.metrics.list(projectId)).map((m) => [m.name, m.id]))
}

/** Tags that record where an uploaded dataset came from; `file_size:<bytes>` feeds Gradient's `file_size`. */
export const UPLOAD_TAG = 'source:gradient-upload'
export const FILE_SIZE_TAG = 'file_size:'
export const FILE_NAME_TAG = 'file:'

export function fileSizeOf(dataset: Pick<Dataset, 'tags'>): number | null {
  const tag = dataset.tags.find((t) => t.startsWith(FILE_SIZE_TAG))
  if (!tag) return null
  const n = Number(tag.slice(FILE_SIZE_TAG.length))
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}

export async function testCaseContext(
  services: Services,
  projectId: string,
  suite: Suite,
  metricIds: Map<string, string>,
): Promise<TestCaseContext> {
  const dataset = suite.datasetId
    ? await services.datasets.get(projectId, suite.datasetId).catch(() => null)
    : null
  const current = await services.suites.get(projectId, suite.id)
  return {
    metricIds,
    dataset,
    datasetFileSize: dataset ? fileSizeOf(dataset) : null,
    datasetHasGroundTruth: dataset ? await services.datasets.hasExpected(projectId, dataset.id) : null,
    latestVersionRuns: await services.runs.count(projectId, {
      suiteId: suite.id,
      suiteVersion: current.version,
    }),
  }
}
