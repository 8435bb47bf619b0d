import type { FastifyInstance } from 'fastify'
import * as z from 'zod'
import type { Run } from '../../schema/api.js'
import {
  CreateEvaluationRunBodySchema,
  ListResultsQuerySchema,
  PromptIdParamSchema,
} from '../../schema/gradient.js'
import type { Services } from '../service/index.js'
import { badRequest } from './errors.js'
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
 *   POST /evaluation_runs                          one run per agent: the test case's dataset
 *                                                  through the agent, scored with its metrics
 *   POST /evaluation_runs/:uuid/cancel             evalgate's own (the SDK has no cancel method)
 *   GET  /evaluation_runs/:uuid                    retrieve
 *   GET  /evaluation_runs/:uuid/results            prompts, `page` / `per_page`, links + meta
 *   GET  /evaluation_runs/:uuid/results/:prompt_id one prompt (prompt_id = run item ordinal)
 *   GET  /evaluation_metrics                       the project's catalogue + built-in metrics
 */
export function registerRunRoutes(app: FastifyInstance, services: Services): void {
  /** Value types and description of the suite version the run was made with; its agent, if any. */
  async function runContext(projectId: string, run: Run): Promise<RunContext> {
    const suite = await services.suites.get(projectId, run.suiteId, run.suiteVersion)
    const facts = (await services.agentRuns.gradientFacts(projectId, [run])).get(run.id)
    return {
      valueTypes: metricValueTypes(suite.metrics),
      ...(suite.description !== undefined ? { suiteDescription: suite.description } : {}),
      ...(facts ?? {}),
    }
  }

  app.post('/evaluation_runs', async (req) => {
    const body = parseGradient(CreateEvaluationRunBodySchema, req.body, 'body')
    if (body.test_case_uuid === undefined) throw badRequest('test_case_uuid is required', 'test_case_uuid')
    if (body.agent_uuids === undefined || body.agent_uuids.length === 0)
      throw badRequest('agent_uuids must name at least one agent (see `evalgate agents list`)', 'agent_uuids')
    const ids = await services.agentRuns.create(req.projectId, {
      testCaseId: body.test_case_uuid,
      agentIds: body.agent_uuids,
      runName: body.run_name ?? `${body.test_case_uuid} ${new Date().toISOString()}`,
    })
    return { evaluation_run_uuids: ids }
  })

  app.post('/evaluation_runs/:uuid/cancel', async (req) => {
    const { uuid } = parseGradient(RunParams, req.params, 'params')
    await services.agentRuns.cancel(req.projectId, uuid)
    const run = await services.runs.get(req.projectId, uuid)
    return { evaluation_run: toGradientRun(run, await runContext(req.projectId, run)) }
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
