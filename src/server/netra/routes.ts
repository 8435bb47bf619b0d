/**
 * Netra evaluation routes, at the origin root (the JS SDK joins paths with `new URL(path, base)`,
 * which drops any base path):
 *
 *   N1 POST /evaluations/dataset                        {name, tags?, turnType?} → {data: dataset}
 *   N2 POST /evaluations/dataset/:datasetId/items       {input, expectedOutput?, tags?, metadata?} → {data: item}
 *   N3 GET  /evaluations/dataset/:datasetId             → {data: item[]}
 *   N4 POST /evaluations/test_run                       {name, datasetId?, localEvaluators?} → {data: run}
 *   N5 POST /evaluations/run/:runId/item                (reference §1.3) + traceparent → {data: {item}}
 *   N6 POST /evaluations/run/:runId/item/:itemId/local-evaluations {evaluatorResults} → {data}
 *   N7 POST /evaluations/run/:runId/status              {status} → {data: {id, status}}
 *   N8 GET  /evaluations/run/:runId                     → {success, data: RunResult, error, meta}
 *
 * Errors (unknown routes and ids included) are `{error: {message, code, path?}}`: the SDKs read
 * `error.message`, and fail silently with an empty id on anything that is not JSON.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import * as z from 'zod'
import { IdSchema } from '../../schema/common.js'
import {
  NetraAddDatasetItemBodySchema,
  NetraCreateDatasetBodySchema,
  NetraCreateRunBodySchema,
  NetraDatasetItemSchema,
  NetraDatasetSchema,
  NetraLocalEvaluationsBodySchema,
  NetraLocalEvaluationsResultSchema,
  NetraRunItemBodySchema,
  NetraRunItemCreatedSchema,
  type NetraRunResultsBodySchema,
  NetraRunResultsQuerySchema,
  NetraRunSchema,
  NetraRunStatusBodySchema,
  NetraRunStatusResultSchema,
} from '../../schema/netra.js'
import { checkedResponse, parseOr400 } from '../http/validate.js'
import { linker } from '../routes/native.js'
import type { Services } from '../service/index.js'
import { toNetraDataset, toNetraDatasetItem, toNetraEvaluators, toNetraRunItem } from './mappers.js'
import type { NetraService, SpanContext } from './service.js'

const DatasetParams = z.object({ datasetId: IdSchema })
const RunParams = z.object({ runId: IdSchema })
const RunItemParams = z.object({ runId: IdSchema, testRunItemId: z.string().min(1).max(500) })

/** `{data}` after checking it against its schema (a mismatch is a server bug, answered 500). */
function data<S extends z.core.$ZodType>(schema: S, value: z.infer<S>): { data: z.infer<S> } {
  return { data: checkedResponse(schema, value, 'Netra') }
}

/** The item span of a run-item post: W3C `traceparent` (version 00), ignored when malformed. */
export function spanOf(req: FastifyRequest): SpanContext | undefined {
  const header = req.headers.traceparent
  if (typeof header !== 'string') return undefined
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(header.trim())
  if (!m || m[1] === 'ff') return undefined
  return { traceId: m[2]!, spanId: m[3]! }
}

export function registerNetraRoutes(
  scope: FastifyInstance,
  services: Services,
  netra: NetraService,
  publicUrl: string | undefined,
): void {
  const dashboardUrl = (req: FastifyRequest, run: Parameters<ReturnType<typeof linker>>[0]) =>
    linker(req, publicUrl)(run).url

  scope.post('/dataset', async (req) => {
    const body = parseOr400(NetraCreateDatasetBodySchema, req.body, 'body')
    return data(NetraDatasetSchema, toNetraDataset(await netra.createDataset(req.projectId, body)))
  })

  scope.post('/dataset/:datasetId/items', async (req) => {
    const { datasetId } = parseOr400(DatasetParams, req.params, 'params')
    const body = parseOr400(NetraAddDatasetItemBodySchema, req.body, 'body')
    const item = await netra.addDatasetItem(req.projectId, datasetId, body)
    return data(NetraDatasetItemSchema, toNetraDatasetItem(req.projectId, item))
  })

  scope.get('/dataset/:datasetId', async (req) => {
    const { datasetId } = parseOr400(DatasetParams, req.params, 'params')
    const items = await netra.datasetItems(req.projectId, datasetId)
    return { data: items.map((i) => toNetraDatasetItem(req.projectId, i)) }
  })

  scope.post('/test_run', async (req) => {
    const body = parseOr400(NetraCreateRunBodySchema, req.body, 'body')
    const { run, facts } = await netra.createRun(req.projectId, body)
    return data(NetraRunSchema, {
      id: run.id,
      name: run.name,
      datasetId: facts.datasetId,
      status: run.status,
      localEvaluators: toNetraEvaluators(facts.localEvaluators),
      suiteId: run.suiteId,
      createdAt: run.createdAt,
      redirectUrl: dashboardUrl(req, run),
    })
  })

  scope.post('/run/:runId/item', async (req) => {
    const { runId } = parseOr400(RunParams, req.params, 'params')
    const body = parseOr400(NetraRunItemBodySchema, req.body, 'body')
    const { item, netra: facts } = await netra.addRunItem(req.projectId, runId, body, spanOf(req))
    return data(NetraRunItemCreatedSchema, { item: toNetraRunItem(item, facts) })
  })

  scope.post('/run/:runId/item/:testRunItemId/local-evaluations', async (req) => {
    const { runId, testRunItemId } = parseOr400(RunItemParams, req.params, 'params')
    const body = parseOr400(NetraLocalEvaluationsBodySchema, req.body, 'body')
    const runStatus = await netra.addLocalEvaluations(
      req.projectId,
      runId,
      testRunItemId,
      body.evaluatorResults,
    )
    return data(NetraLocalEvaluationsResultSchema, {
      testRunItemId,
      accepted: body.evaluatorResults.length,
      runStatus,
    })
  })

  scope.post('/run/:runId/status', async (req) => {
    const { runId } = parseOr400(RunParams, req.params, 'params')
    const body = parseOr400(NetraRunStatusBodySchema, req.body, 'body')
    const status = await netra.setStatus(req.projectId, runId, body.status)
    return data(NetraRunStatusResultSchema, { id: runId, status })
  })

  scope.get('/run/:runId', async (req) => {
    const { runId } = parseOr400(RunParams, req.params, 'params')
    const q = parseOr400(NetraRunResultsQuerySchema, req.query, 'query')
    await netra.settle(req.projectId, runId)
    const { run, items, total } = await services.runs.results(req.projectId, runId, q)
    const facts = await netra.runFacts(run.id)
    const itemFacts = await netra.itemFacts(
      run.id,
      items.map((i) => i.ordinal),
    )
    const body: z.infer<typeof NetraRunResultsBodySchema> = {
      success: true,
      data: {
        id: run.id,
        name: run.name,
        status: run.status,
        evaluationStatus: run.evaluationStatus,
        datasetId: facts.datasetId,
        suiteId: run.suiteId,
        createdAt: run.createdAt,
        finishedAt: run.finishedAt,
        localEvaluators: toNetraEvaluators(facts.localEvaluators),
        testRunSummary: {
          ...run.summary,
          pendingEvaluations: await netra.pendingEvaluations(run.id, facts),
        },
        items: items.map((i) => toNetraRunItem(i, itemFacts.get(i.ordinal))),
        redirectUrl: dashboardUrl(req, run),
      },
      error: null,
      meta: { page: q.page, perPage: q.perPage, totalItems: total },
    }
    return body
  })
}
