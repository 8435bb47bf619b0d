import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Run } from '../../schema/api.js'
import {
  CreateEvaluationRunBodySchema,
  ListResultsQuerySchema,
  PromptIdParamSchema,
} from '../../schema/gradient.js'
import type { Services } from '../service/index.js'
import { GradientHttpError } from './errors.js'
import { parseGradient, requestOrigin } from './http.js'
import { catalogueWithBuiltins } from './lookups.js'
import {
  metricValueTypes,
  paginate,
  type RunContext,
  toGradientMetric,
  toGradientPrompt,
  toGradientRun,
} from './mappers.js'

const RunParams = z.object({ uuid: z.string().min(1).max(200) })
const PromptParams = z.object({ uuid: z.string().min(1).max(200), prompt_id: PromptIdParamSchema })

/**
 * Evaluation runs and metrics.
 *   POST /evaluation_runs                          422: evalgate does not call remote agents
 *   GET  /evaluation_runs/:uuid                    retrieve
 *   GET  /evaluation_runs/:uuid/results            prompts, `page` / `per_page`, links + meta
 *   GET  /evaluation_runs/:uuid/results/:prompt_id one prompt (prompt_id = run item ordinal)
 *   GET  /evaluation_metrics                       the project's catalogue + built-in metrics
 */
export function registerRunRoutes(app: FastifyInstance, services: Services): void {
  /** Value types and description of the suite version the run was made with. */
  async function runContext(projectId: string, run: Run): Promise<RunContext> {
    const suite = await services.suites.get(projectId, run.suiteId, run.suiteVersion)
    return {
      valueTypes: metricValueTypes(suite.metrics),
      ...(suite.description !== undefined ? { suiteDescription: suite.description } : {}),
    }
  }

  app.post('/evaluation_runs', async (req) => {
    const body = parseGradient(CreateEvaluationRunBodySchema, req.body, 'body')
    if (body.test_case_uuid !== undefined) await services.suites.get(req.projectId, body.test_case_uuid)
    throw new GradientHttpError(
      422,
      'evalgate does not run evaluation test cases against remote agents: run the suite with Vitest ' +
        '(describeEval + the evalgate reporter) and read its runs with ' +
        'GET /v2/gen-ai/evaluation_test_cases/{test_case_uuid}/evaluation_runs',
    )
  })

  app.get('/evaluation_runs/:uuid', async (req) => {
    const { uuid } = parseGradient(RunParams, req.params, 'params')
    const run = await services.runs.get(req.projectId, uuid)
    return { evaluation_run: toGradientRun(run, await runContext(req.projectId, run)) }
  })

  app.get('/evaluation_runs/:uuid/results', async (req) => {
    const { uuid } = parseGradient(RunParams, req.params, 'params')
    const q = parseGradient(ListResultsQuerySchema, req.query, 'query')
    const res = await services.runs.results(req.projectId, uuid, { page: q.page, perPage: q.per_page })
    const ctx = await runContext(req.projectId, res.run)
    const base = `${requestOrigin(req)}/v2/gen-ai/evaluation_runs/${encodeURIComponent(uuid)}/results`
    return {
      evaluation_run: toGradientRun(res.run, ctx),
      prompts: res.items.map((item) => toGradientPrompt(item, ctx.valueTypes)),
      ...paginate(base, q.page, q.per_page, res.total),
    }
  })

  app.get('/evaluation_runs/:uuid/results/:prompt_id', async (req) => {
    const { uuid, prompt_id } = parseGradient(PromptParams, req.params, 'params')
    const item = await services.runs.itemByOrdinal(req.projectId, uuid, prompt_id)
    const run = await services.runs.get(req.projectId, uuid)
    const ctx = await runContext(req.projectId, run)
    return { prompt: toGradientPrompt(item, ctx.valueTypes) }
  })

  app.get('/evaluation_metrics', async (req) => {
    const metrics = await catalogueWithBuiltins(services, req.projectId)
    return { metrics: metrics.map(toGradientMetric) }
  })
}
