import type { FastifyInstance } from 'fastify'
import * as z from 'zod'
import type { Metric } from '../../schema/api.js'
import type { StarMetric } from '../../schema/gate.js'
import {
  CreateTestCaseBodySchema,
  type StarMetricInput,
  TestCaseVersionQuerySchema,
  UpdateTestCaseBodySchema,
} from '../../schema/gradient.js'
import type { Services, SuiteParts } from '../service/index.js'
import { badRequest } from './errors.js'
import { parseGradient } from './http.js'
import { metricIdsByName, testCaseContext } from './lookups.js'
import { fromWireNumber, metricValueTypes, toGradientRun, toGradientTestCase } from './mappers.js'

const UuidParams = z.object({ uuid: z.string().min(1).max(200) })

/** Runs listed per test case (newest first). */
const RUNS_PER_TEST_CASE = 500

/**
 * Evaluation test cases = evalgate suites.
 *   POST /evaluation_test_cases                 create (`metrics`: metric uuids)
 *   GET  /evaluation_test_cases                 list
 *   GET  /evaluation_test_cases/:uuid           retrieve (`evaluation_test_case_version`)
 *   PUT  /evaluation_test_cases/:uuid           update (`metrics.metric_uuids`) → new version
 *   GET  /evaluation_test_cases/:uuid/evaluation_runs   runs (`evaluation_test_case_version`)
 */
export function registerTestCaseRoutes(app: FastifyInstance, services: Services): void {
  app.post('/evaluation_test_cases', async (req) => {
    const body = parseGradient(CreateTestCaseBodySchema, req.body, 'body')
    const metrics = await resolveMetrics(services, req.projectId, body.metrics, 'metrics')
    const parts: SuiteParts = {
      name: body.name,
      datasetId: body.dataset_uuid,
      metricIds: metrics.map((m) => m.id),
      star: body.star_metric ? resolveStar(body.star_metric, metrics) : null,
      ...(body.description !== undefined ? { description: body.description } : {}),
    }
    // an unknown dataset_uuid is a 404 from the service
    const suite = await services.suites.createFromParts(req.projectId, parts)
    return { test_case_uuid: suite.id }
  })

  app.get('/evaluation_test_cases', async (req) => {
    const [suites, ids] = await Promise.all([
      services.suites.list(req.projectId),
      metricIdsByName(services, req.projectId),
    ])
    const cases = []
    for (const suite of suites) {
      cases.push(toGradientTestCase(suite, await testCaseContext(services, req.projectId, suite, ids)))
    }
    return { evaluation_test_cases: cases }
  })

  app.get('/evaluation_test_cases/:uuid', async (req) => {
    const { uuid } = parseGradient(UuidParams, req.params, 'params')
    const q = parseGradient(TestCaseVersionQuerySchema, req.query, 'query')
    const suite = await services.suites.get(req.projectId, uuid, q.evaluation_test_case_version)
    const ids = await metricIdsByName(services, req.projectId)
    return {
      evaluation_test_case: toGradientTestCase(
        suite,
        await testCaseContext(services, req.projectId, suite, ids),
      ),
    }
  })

  app.put('/evaluation_test_cases/:uuid', async (req) => {
    const { uuid } = parseGradient(UuidParams, req.params, 'params')
    const body = parseGradient(UpdateTestCaseBodySchema, req.body, 'body')
    for (const field of ['body_test_case_uuid', 'test_case_uuid'] as const) {
      const value = body[field]
      if (value !== undefined && value !== uuid) {
        throw badRequest(`${field} ${JSON.stringify(value)} does not match the test case in the path`, field)
      }
    }
    const current = await services.suites.get(req.projectId, uuid)
    const parts: Partial<SuiteParts> = {}
    if (body.name !== undefined) parts.name = body.name
    if (body.description !== undefined) parts.description = body.description
    if (body.dataset_uuid !== undefined) parts.datasetId = body.dataset_uuid
    let metrics: Metric[]
    if (body.metrics !== undefined) {
      metrics = await resolveMetrics(
        services,
        req.projectId,
        body.metrics.metric_uuids,
        'metrics.metric_uuids',
      )
      parts.metricIds = metrics.map((m) => m.id)
    } else {
      const catalogue = await services.metrics.list(req.projectId)
      const names = new Set(current.metrics.map((m) => m.name))
      metrics = catalogue.filter((m) => names.has(m.name))
    }
    if (body.star_metric !== undefined) {
      parts.star = resolveStar(body.star_metric, metrics)
    } else if (current.star && !metrics.some((m) => m.name === current.star?.metric)) {
      throw badRequest(
        `the new metrics leave out the star metric ${JSON.stringify(current.star.metric)}; set star_metric too`,
        'star_metric',
      )
    }
    const suite = await services.suites.updateFromParts(req.projectId, uuid, parts)
    return { test_case_uuid: suite.id, version: suite.version }
  })

  app.get('/evaluation_test_cases/:uuid/evaluation_runs', async (req) => {
    const { uuid } = parseGradient(UuidParams, req.params, 'params')
    const q = parseGradient(TestCaseVersionQuerySchema, req.query, 'query')
    // 404 for an unknown test case or version, rather than an empty list
    const suite = await services.suites.get(req.projectId, uuid, q.evaluation_test_case_version)
    const runs = await services.runs.listBySuite(
      req.projectId,
      uuid,
      q.evaluation_test_case_version,
      RUNS_PER_TEST_CASE,
    )
    const versions = new Map([[suite.version, suite]])
    const agentFacts = await services.agentRuns.gradientFacts(req.projectId, runs)
    const out = []
    for (const run of runs) {
      let def = versions.get(run.suiteVersion)
      if (!def) {
        def = await services.suites.get(req.projectId, uuid, run.suiteVersion)
        versions.set(run.suiteVersion, def)
      }
      out.push(
        toGradientRun(run, {
          valueTypes: metricValueTypes(def.metrics),
          ...(def.description !== undefined ? { suiteDescription: def.description } : {}),
          ...(agentFacts.get(run.id) ?? {}),
        }),
      )
    }
    return { evaluation_runs: out }
  })
}

/** Catalogue metrics by uuid, in order; 400 naming the position of an unknown or repeated uuid. */
async function resolveMetrics(
  services: Services,
  projectId: string,
  uuids: string[],
  path: string,
): Promise<Metric[]> {
  const catalogue = new Map((await services.metrics.list(projectId)).map((m) => [m.id, m]))
  const seen = new Set<string>()
  return uuids.map((uuid, i) => {
    const metric = catalogue.get(uuid)
    if (!metric) {
      throw badRequest(
        `unknown metric uuid ${JSON.stringify(uuid)} (see GET /v2/gen-ai/evaluation_metrics)`,
        `${path}.${i}`,
      )
    }
    if (seen.has(uuid))
      throw badRequest(`metric uuid ${JSON.stringify(uuid)} is listed twice`, `${path}.${i}`)
    seen.add(uuid)
    return metric
  })
}

/**
 * The Gradient star metric (by uuid or name, one of the test case's metrics) as evalgate's
 * StarMetric. `success_threshold` is in the metric's wire unit: percent for percentage metrics.
 */
function resolveStar(star: StarMetricInput, metrics: Metric[]): StarMetric {
  let metric: Metric | undefined
  if (star.metric_uuid !== undefined) {
    metric = metrics.find((m) => m.id === star.metric_uuid)
    if (!metric) {
      throw badRequest(
        `star metric ${JSON.stringify(star.metric_uuid)} is not one of the test case's metrics`,
        'star_metric.metric_uuid',
      )
    }
    if (star.name !== undefined && star.name !== metric.name) {
      throw badRequest(
        `star_metric.name ${JSON.stringify(star.name)} does not match metric ${JSON.stringify(metric.name)} of star_metric.metric_uuid`,
        'star_metric.name',
      )
    }
  } else if (star.name !== undefined) {
    metric = metrics.find((m) => m.name === star.name)
    if (!metric) {
      throw badRequest(
        `star metric ${JSON.stringify(star.name)} is not one of the test case's metrics`,
        'star_metric.name',
      )
    }
  } else {
    throw badRequest('star_metric needs metric_uuid (or name)', 'star_metric.metric_uuid')
  }
  return {
    metric: metric.name,
    ...(star.success_threshold !== undefined
      ? { successThreshold: fromWireNumber(star.success_threshold, metric.valueType) }
      : {}),
    ...(star.success_threshold_pct !== undefined ? { successThresholdPct: star.success_threshold_pct } : {}),
  }
}
