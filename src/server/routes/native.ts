/**
 * Native API, mounted under /api/v1. Every body and query is parsed with the shared zod schemas
 * (src/schema/api.ts); every response is built by the mappers and checked against its schema.
 *
 *   GET  /health                              → HealthSchema (no key needed)
 *   GET  /projects/current                    → ProjectSchema (the caller's project)
 *   POST /projects                 {name}     → ProjectSchema (keyless loopback admin only)
 *   POST /projects/:id/keys                   → CreatedApiKeySchema (the key is shown once)
 *   POST /datasets                 CreateDatasetBody → DatasetSchema
 *   GET  /datasets                            → { datasets: Dataset[] }
 *   GET  /datasets/:id                        → DatasetSchema
 *   POST /datasets/:id/items       item | {items} → { dataset, items }
 *   GET  /datasets/:id/items?page&perPage     → { items, page, perPage, total }
 *   GET  /datasets/:id/versions               → { versions }
 *   GET  /metrics                             → { metrics }
 *   POST /suites                   SuiteDef (upsert by name) → SuiteSchema
 *   GET  /suites                              → { suites }
 *   GET  /suites/:id?version                  → SuiteSchema
 *   GET  /suites/:id/versions                 → { suites }
 *   GET  /suites/:id/runs?version&limit       → RunListSchema
 *   POST /runs                     CreateRunBody (create or join) → CreateRunResponseSchema
 *   GET  /runs?suiteId&suiteName&suiteVersion&runGroup&limit → RunListSchema
 *   GET  /runs/:id                            → RunSchema
 *   POST /runs/:id/items           {items}    → RunItemBatchResponseSchema
 *   POST /runs/:id/finalize        FinalizeRunBody (optional) → RunSchema
 *   GET  /runs/:id/results?page&perPage&status → RunResultsSchema
 *   GET  /runs/:id/items/:ordinal             → RunItemSchema
 *   GET  /runs/:id/compare/:baseId            → RunCompareSchema
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import {
  AddDatasetItemsBodySchema,
  CreateDatasetBodySchema,
  CreatedApiKeySchema,
  CreateProjectBodySchema,
  CreateRunBodySchema,
  CreateRunResponseSchema,
  DatasetItemInputSchema,
  DatasetItemSchema,
  DatasetSchema,
  DatasetVersionSchema,
  FinalizeRunBodySchema,
  HealthSchema,
  ListRunsQuerySchema,
  MetricSchema,
  ProjectSchema,
  RunCompareSchema,
  RunItemBatchResponseSchema,
  RunItemSchema,
  RunListSchema,
  RunResultsQuerySchema,
  RunResultsSchema,
  RunSchema,
  SuiteSchema,
  UpsertSuiteBodySchema,
} from '../../schema/api.js'
import { IdSchema, PageQuerySchema } from '../../schema/common.js'
import { VERSION } from '../../version.js'
import { parseRunItemBatch } from '../http/run-item-batch.js'
import { parseOr400 } from '../http/validate.js'
import { ForbiddenError, NotFoundError } from '../service/errors.js'
import type { Services } from '../service/index.js'

/** The server's version (the package's), reported by /health. */
export const API_VERSION = VERSION

const IdParams = z.object({ id: IdSchema })
const CompareParams = z.object({ id: IdSchema, baseId: IdSchema })
const OrdinalParams = z.object({ id: IdSchema, ordinal: z.coerce.number().int().min(1) })
const SuiteQuery = z.object({ version: z.coerce.number().int().min(1).optional() })
const SuiteRunsQuery = z.object({
  version: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
})

/** Serialises `value` after checking it against the response schema (a server bug otherwise). */
function out<S extends z.ZodType>(schema: S, value: z.infer<S>): z.infer<S> {
  const r = schema.safeParse(value)
  if (!r.success)
    throw new Error(
      `response does not match its schema: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`,
    )
  return r.data
}

/**
 * Large responses (result pages, item pages, compare): the mappers are typed by the schema and the
 * API tests parse these responses with it; checking thousands of items again on every read would
 * cost more than the query.
 */
function typed<S extends z.ZodType>(_schema: S, value: z.infer<S>): z.infer<S> {
  return value
}

export function registerNativeRoutes(
  app: FastifyInstance,
  services: Services,
  dialect: 'sqlite' | 'postgres',
) {
  const { projects, datasets, metrics, suites, runs } = services

  app.get('/health', async () => out(HealthSchema, { ok: true, version: API_VERSION, dialect }))

  // ---------- projects and keys ----------
  app.get('/projects/current', async (req) => out(ProjectSchema, await projects.get(req.projectId)))

  app.post('/projects', async (req, reply) => {
    if (!req.keyless)
      throw new ForbiddenError(
        'projects are created without a key on a loopback server, or with `evalgate keys create`',
      )
    const body = parseOr400(CreateProjectBodySchema, req.body, 'body')
    reply.status(201)
    return out(ProjectSchema, await projects.create(body.name))
  })

  app.post('/projects/:id/keys', async (req, reply) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    if (!req.keyless && id !== req.projectId) throw new NotFoundError('project', id)
    reply.status(201)
    return out(CreatedApiKeySchema, await projects.createKey(id))
  })

  // ---------- datasets ----------
  app.post('/datasets', async (req, reply) => {
    const body = parseOr400(CreateDatasetBodySchema, req.body, 'body')
    reply.status(201)
    return out(DatasetSchema, await datasets.create(req.projectId, body))
  })

  app.get('/datasets', async (req) => ({
    datasets: (await datasets.list(req.projectId)).map((d) => out(DatasetSchema, d)),
  }))

  app.get('/datasets/:id', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    return out(DatasetSchema, await datasets.get(req.projectId, id))
  })

  app.post('/datasets/:id/items', async (req, reply) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const raw = req.body
    const items =
      raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'items' in raw
        ? parseOr400(AddDatasetItemsBodySchema, raw, 'body').items
        : [parseOr400(DatasetItemInputSchema, raw, 'body')]
    const result = await datasets.addItems(req.projectId, id, items)
    reply.status(201)
    return {
      dataset: out(DatasetSchema, result.dataset),
      items: result.items.map((i) => out(DatasetItemSchema, i)),
    }
  })

  app.get('/datasets/:id/items', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const q = parseOr400(PageQuerySchema, req.query, 'query')
    const page = await datasets.listItems(req.projectId, id, q.page, q.perPage)
    return { ...page, items: page.items.map((i) => typed(DatasetItemSchema, i)) }
  })

  app.get('/datasets/:id/versions', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    return {
      versions: (await datasets.listVersions(req.projectId, id)).map((v) => out(DatasetVersionSchema, v)),
    }
  })

  // ---------- metrics ----------
  app.get('/metrics', async (req) => ({
    metrics: (await metrics.list(req.projectId)).map((m) => out(MetricSchema, m)),
  }))

  // ---------- suites ----------
  app.post('/suites', async (req) => {
    const body = parseOr400(UpsertSuiteBodySchema, req.body, 'body')
    return out(SuiteSchema, await suites.upsert(req.projectId, body))
  })

  app.get('/suites', async (req) => ({
    suites: (await suites.list(req.projectId)).map((s) => out(SuiteSchema, s)),
  }))

  app.get('/suites/:id', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const q = parseOr400(SuiteQuery, req.query, 'query')
    return out(SuiteSchema, await suites.get(req.projectId, id, q.version))
  })

  app.get('/suites/:id/versions', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    return { suites: (await suites.listVersions(req.projectId, id)).map((s) => out(SuiteSchema, s)) }
  })

  app.get('/suites/:id/runs', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const q = parseOr400(SuiteRunsQuery, req.query, 'query')
    return out(RunListSchema, { runs: await runs.listBySuite(req.projectId, id, q.version, q.limit) })
  })

  // ---------- runs ----------
  app.post('/runs', async (req, reply) => {
    const body = parseOr400(CreateRunBodySchema, req.body, 'body')
    const result = await runs.createOrJoin(req.projectId, body)
    reply.status(result.joined ? 200 : 201)
    return out(CreateRunResponseSchema, result)
  })

  app.get('/runs', async (req) => {
    const q = parseOr400(ListRunsQuerySchema, req.query, 'query')
    return out(RunListSchema, { runs: await runs.list(req.projectId, q) })
  })

  app.get('/runs/:id', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    return out(RunSchema, await runs.get(req.projectId, id))
  })

  app.post('/runs/:id/items', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const body = parseRunItemBatch(req.body)
    return out(RunItemBatchResponseSchema, await runs.addItems(req.projectId, id, body.items))
  })

  app.post('/runs/:id/finalize', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const body = parseOr400(FinalizeRunBodySchema, req.body ?? {}, 'body')
    return out(RunSchema, await runs.finalize(req.projectId, id, body))
  })

  app.get('/runs/:id/results', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const q = parseOr400(RunResultsQuerySchema, req.query, 'query')
    return typed(RunResultsSchema, await runs.results(req.projectId, id, q))
  })

  app.get('/runs/:id/items/:ordinal', async (req) => {
    const { id, ordinal } = parseOr400(OrdinalParams, req.params, 'params')
    return out(RunItemSchema, await runs.itemByOrdinal(req.projectId, id, ordinal))
  })

  app.get('/runs/:id/compare/:baseId', async (req) => {
    const { id, baseId } = parseOr400(CompareParams, req.params, 'params')
    return typed(RunCompareSchema, await runs.compare(req.projectId, id, baseId))
  })
}
