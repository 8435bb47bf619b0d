/**
 * Native API, mounted under /api/v1. Every body and query is parsed with the shared zod schemas
 * (src/schema/api.ts); every response is built by the mappers and checked against its schema.
 *
 *   GET  /health                              → HealthSchema (no key needed)
 *   GET  /projects/current                    → ProjectSchema (the caller's project)
 *   POST /projects                 {name}     → ProjectSchema (keyless loopback admin only)
 *   POST /projects/:id/keys        {scope?}   → CreatedApiKeySchema (the key is shown once; admin only)
 *   DELETE /projects/:id/keys/:keyId          → ApiKeySchema (revoked at once; admin only)
 *   POST /datasets                 CreateDatasetBody → DatasetSchema
 *   GET  /datasets                            → { datasets: Dataset[] }
 *   GET  /datasets/:id                        → DatasetSchema
 *   POST /datasets/:id/items       item | {items} → { dataset, items }
 *   GET  /datasets/:id/items?page&perPage     → { items, page, perPage, total }
 *   GET  /datasets/:id/versions               → { versions }
 *   GET  /metrics                             → { metrics }
 *   GET  /evaluators                          → ServerEvaluatorListSchema (server-side evaluators by id)
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
 *   GET  /runs/:id/items/:ordinal/spans       → RunItemSpansSchema (OTLP spans of the item's trace)
 *   GET  /runs/:id/item?itemId&trial          → RunItemSchema (by dataset item id)
 *   GET  /runs/:id/compare/:baseId            → RunCompareSchema
 *
 * Every run in a response carries `url`, its dashboard page (absolute: the server's public URL,
 * else the request's protocol and host).
 *
 * The routes are a table of handlers over `ApiCall` (the caller's project, params, query, body):
 * Fastify serves them over HTTP (`registerNativeRoutes`), and the embedded server's in-process
 * client calls the same handlers without loading Fastify (http/direct-dispatch.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import * as z from 'zod/mini'
import '../../schema/zod-locale.js'
import {
  AddDatasetItemsBodySchema,
  ApiKeySchema,
  CreateApiKeyBodySchema,
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
  type Run,
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
import { IdSchema, MAX_INT32, PageQuerySchema } from '../../schema/common.js'
import { ServerEvaluatorListSchema } from '../../schema/evaluators.js'
import { RunItemSpansSchema } from '../../schema/spans.js'
import { VERSION } from '../../version.js'
import { serverOrigin } from '../http/browser-guard.js'
import { parseRunItemBatch } from '../http/run-item-batch.js'
import { checkedResponse, parseOr400 } from '../http/validate.js'
import { serverEvaluators } from '../scoring/catalogue.js'
import { ForbiddenError, NotFoundError, ValidationError } from '../service/errors.js'
import type { Services } from '../service/index.js'

/** The server's version (the package's), reported by /health. */
export const API_VERSION = VERSION

const IdParams = z.object({ id: IdSchema })
const KeyParams = z.object({ id: IdSchema, keyId: IdSchema })
const CompareParams = z.object({ id: IdSchema, baseId: IdSchema })
const OrdinalParams = z.object({
  id: IdSchema,
  ordinal: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_INT32)),
})
const ItemKeyQuery = z.strictObject({
  itemId: z.string().check(z.minLength(1), z.maxLength(500)),
  trial: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(MAX_INT32)), 0),
})
const SuiteQuery = z.strictObject({
  version: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_INT32))),
})
const SuiteRunsQuery = z.object({
  version: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_INT32))),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_INT32), z.maximum(500)), 50),
})

/** Serialises `value` after checking it against the response schema (a server bug otherwise). */
function out<S extends z.core.$ZodType>(schema: S, value: z.infer<S>): z.infer<S> {
  return checkedResponse(schema, value)
}

/**
 * Large responses (result pages, item pages, compare): the mappers are typed by the schema and the
 * API tests parse these responses with it; checking thousands of items again on every read would
 * cost more than the query.
 */
function typed<S extends z.core.$ZodType>(_schema: S, value: z.infer<S>): z.infer<S> {
  return value
}

export interface NativeRouteOptions {
  /** Public base URL of the server (e.g. behind a proxy); default: the request's protocol and host. */
  publicUrl?: string
}

/** What a native route handler sees of a request, however it arrived (HTTP or in-process). */
export interface ApiCall {
  /** The project every data access is scoped to (http/auth.ts). */
  projectId: string
  keyless: boolean
  keyScope: 'project' | 'admin'
  params: unknown
  query: unknown
  body: unknown
  /** Base of the absolute URLs handed out: the public URL, else the address the request arrived on. */
  linkBase(): string
}

export interface ApiReply {
  status(code: number): unknown
}

export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE'
  /** Path under /api/v1, with `:name` parameters. */
  url: string
  handle(call: ApiCall, reply: ApiReply): Promise<unknown>
}

/** Where the native API is mounted. */
export const NATIVE_API_PREFIX = '/api/v1'

/** The native API's one route that answers without a credential (a liveness probe). */
export function isPublicApiPath(path: string): boolean {
  return path === `${NATIVE_API_PREFIX}/health`
}

/** Makes a run's dashboard path absolute under `base` (the public URL keeps its path). */
export function runLinker(base: string): (run: Run) => Run {
  const trimmed = base.replace(/\/+$/, '')
  return (run) => (run.url.startsWith('/') ? { ...run, url: `${trimmed}${run.url}` } : run)
}

/** Makes a run's dashboard path absolute for the client that asked. */
export function linker(req: FastifyRequest, publicUrl: string | undefined): (run: Run) => Run {
  return runLinker(linkBase(req, publicUrl))
}

/**
 * The public URL, which keeps its path (a server behind a proxy at https://host/evalgate/);
 * otherwise the address the request arrived on, never the Host header.
 */
function linkBase(req: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? serverOrigin(req, undefined)
}

/** Serves the native routes through Fastify (mounted under /api/v1 by app.ts). */
export function registerNativeRoutes(
  app: FastifyInstance,
  services: Services,
  dialect: 'sqlite' | 'postgres',
  opts: NativeRouteOptions = {},
) {
  for (const route of nativeRoutes(services, dialect)) {
    app.route({
      method: route.method,
      url: route.url,
      handler: (req: FastifyRequest, reply: FastifyReply) =>
        route.handle(fastifyCall(req, opts.publicUrl), reply),
    })
  }
}

function fastifyCall(req: FastifyRequest, publicUrl: string | undefined): ApiCall {
  return {
    projectId: req.projectId,
    keyless: req.keyless,
    keyScope: req.keyScope,
    params: req.params,
    query: req.query,
    body: req.body,
    linkBase: () => linkBase(req, publicUrl),
  }
}

/** The native API's routes, in the order they are documented above. */
export function nativeRoutes(services: Services, dialect: 'sqlite' | 'postgres'): ApiRoute[] {
  const { projects, datasets, metrics, suites, runs } = services
  const link = (req: ApiCall) => runLinker(req.linkBase())
  const routes: ApiRoute[] = []
  const app = {
    get: (url: string, handle: ApiRoute['handle']) => routes.push({ method: 'GET', url, handle }),
    post: (url: string, handle: ApiRoute['handle']) => routes.push({ method: 'POST', url, handle }),
    delete: (url: string, handle: ApiRoute['handle']) => routes.push({ method: 'DELETE', url, handle }),
  }

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

  /** Keys are managed by an admin credential: keyless loopback (the server's machine) or an admin key of the project. */
  const requireKeyAdmin = (req: ApiCall, projectId: string) => {
    if (req.keyless) return
    if (projectId !== req.projectId) throw new NotFoundError('project', projectId)
    if (req.keyScope !== 'admin')
      throw new ForbiddenError(
        'managing API keys needs an admin credential: an admin-scoped key, or `evalgate keys` on the server’s machine',
      )
  }

  app.post('/projects/:id/keys', async (req, reply) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    requireKeyAdmin(req, id)
    if (req.body === undefined)
      throw new ValidationError(
        'a JSON body is required: {} for a project key, {"scope":"admin"} for an admin key',
      )
    const body = parseOr400(CreateApiKeyBodySchema, req.body, 'body')
    reply.status(201)
    return out(CreatedApiKeySchema, await projects.createKey(id, body.scope))
  })

  app.delete('/projects/:id/keys/:keyId', async (req) => {
    const { id, keyId } = parseOr400(KeyParams, req.params, 'params')
    requireKeyAdmin(req, id)
    return out(ApiKeySchema, await projects.revokeKey(id, keyId))
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

  app.get('/evaluators', async () =>
    out(ServerEvaluatorListSchema, {
      evaluators: serverEvaluators(),
      judgeModel: services.scoring.judgeModel(),
    }),
  )

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
    const list = await runs.listBySuite(req.projectId, id, q.version, q.limit)
    return out(RunListSchema, { runs: list.map(link(req)) })
  })

  // ---------- runs ----------
  app.post('/runs', async (req, reply) => {
    const body = parseOr400(CreateRunBodySchema, req.body, 'body')
    const result = await runs.createOrJoin(req.projectId, body)
    reply.status(result.joined ? 200 : 201)
    return out(CreateRunResponseSchema, { ...result, run: link(req)(result.run) })
  })

  app.get('/runs', async (req) => {
    const q = parseOr400(ListRunsQuerySchema, req.query, 'query')
    return out(RunListSchema, { runs: (await runs.list(req.projectId, q)).map(link(req)) })
  })

  app.get('/runs/:id', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    return out(RunSchema, link(req)(await runs.get(req.projectId, id)))
  })

  app.post('/runs/:id/items', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const body = parseRunItemBatch(req.body)
    return out(RunItemBatchResponseSchema, await runs.addItems(req.projectId, id, body.items))
  })

  app.post('/runs/:id/finalize', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const body = parseOr400(FinalizeRunBodySchema, req.body ?? {}, 'body')
    return out(RunSchema, link(req)(await runs.finalize(req.projectId, id, body)))
  })

  app.get('/runs/:id/results', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const q = parseOr400(RunResultsQuerySchema, req.query, 'query')
    const results = await runs.results(req.projectId, id, q)
    return typed(RunResultsSchema, { ...results, run: link(req)(results.run) })
  })

  app.get('/runs/:id/items/:ordinal', async (req) => {
    const { id, ordinal } = parseOr400(OrdinalParams, req.params, 'params')
    return out(RunItemSchema, await runs.itemByOrdinal(req.projectId, id, ordinal))
  })

  app.get('/runs/:id/items/:ordinal/spans', async (req) => {
    const { id, ordinal } = parseOr400(OrdinalParams, req.params, 'params')
    return typed(RunItemSpansSchema, await services.spans.forRunItem(req.projectId, id, ordinal))
  })

  app.get('/runs/:id/item', async (req) => {
    const { id } = parseOr400(IdParams, req.params, 'params')
    const q = parseOr400(ItemKeyQuery, req.query, 'query')
    return out(RunItemSchema, await runs.itemByKey(req.projectId, id, q.itemId, q.trial))
  })

  app.get('/runs/:id/compare/:baseId', async (req) => {
    const { id, baseId } = parseOr400(CompareParams, req.params, 'params')
    const compare = await runs.compare(req.projectId, id, baseId)
    const l = link(req)
    return typed(RunCompareSchema, { ...compare, base: l(compare.base), head: l(compare.head) })
  })
  return routes
}
