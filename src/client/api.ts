import * as z from 'zod/mini'
import '../schema/zod-locale.js'
import {
  AgentListSchema,
  AgentSchema,
  CancelRunResponseSchema,
  type CreateAgentBody,
} from '../schema/agents.js'
import {
  type CreateDatasetBody,
  type CreateRunBody,
  CreateRunResponseSchema,
  type DatasetItemInput,
  DatasetItemSchema,
  DatasetSchema,
  type FinalizeRunBodySchema,
  HealthSchema,
  type ListRunsQuerySchema,
  RunCompareSchema,
  RunItemBatchResponseSchema,
  RunListSchema,
  type RunResultsQuerySchema,
  RunResultsSchema,
  RunSchema,
} from '../schema/api.js'
import type { PageQuerySchema } from '../schema/common.js'
import type { ItemResultInput } from '../schema/meta.js'
import { RunItemSpansSchema } from '../schema/spans.js'
import { Transport, type TransportOptions } from './http.js'

export type ClientOptions = TransportOptions

const DatasetItemsPageSchema = z.object({
  items: z.array(DatasetItemSchema),
  page: z.number().check(z.int()),
  perPage: z.number().check(z.int()),
  total: z.number().check(z.int()),
})
const AddDatasetItemsResponseSchema = z.object({ dataset: DatasetSchema, items: z.array(DatasetItemSchema) })

/** Typed calls of the native API (`/api/v1`). Every response is parsed with its shared schema. */
export class EvalgateApi {
  readonly transport: Transport

  constructor(options: ClientOptions | Transport) {
    this.transport = options instanceof Transport ? options : new Transport(options)
  }

  get url(): string {
    return this.transport.url
  }

  health() {
    return this.transport.request({ method: 'GET', path: '/api/v1/health', schema: HealthSchema })
  }

  readonly datasets = {
    create: (body: CreateDatasetBody) =>
      this.transport.request({
        method: 'POST',
        path: '/api/v1/datasets',
        body,
        schema: DatasetSchema,
        idempotent: false,
      }),
    get: (datasetId: string) =>
      this.transport.request({
        method: 'GET',
        path: `/api/v1/datasets/${enc(datasetId)}`,
        schema: DatasetSchema,
      }),
    addItems: (datasetId: string, items: DatasetItemInput[]) =>
      this.transport.request({
        method: 'POST',
        path: `/api/v1/datasets/${enc(datasetId)}/items`,
        body: { items },
        schema: AddDatasetItemsResponseSchema,
        idempotent: false,
      }),
    listItems: (datasetId: string, query: Partial<z.output<typeof PageQuerySchema>> = {}) =>
      this.transport.request({
        method: 'GET',
        path: `/api/v1/datasets/${enc(datasetId)}/items`,
        query,
        schema: DatasetItemsPageSchema,
      }),
  }

  readonly runs = {
    /** Create the run of (run group, suite version), or join it: shards and retries meet in one run. */
    createOrJoin: (body: CreateRunBody) =>
      this.transport.request({ method: 'POST', path: '/api/v1/runs', body, schema: CreateRunResponseSchema }),
    /** Idempotent on (run, item id, trial): safe to retry. */
    addItems: (runId: string, items: ItemResultInput[]) =>
      this.transport.request({
        method: 'POST',
        path: `/api/v1/runs/${enc(runId)}/items`,
        body: { items },
        schema: RunItemBatchResponseSchema,
      }),
    finalize: (runId: string, body: z.input<typeof FinalizeRunBodySchema> = {}) =>
      this.transport.request({
        method: 'POST',
        path: `/api/v1/runs/${enc(runId)}/finalize`,
        body,
        schema: RunSchema,
      }),
    get: (runId: string) =>
      this.transport.request({ method: 'GET', path: `/api/v1/runs/${enc(runId)}`, schema: RunSchema }),
    results: (runId: string, query: Partial<z.output<typeof RunResultsQuerySchema>> = {}) =>
      this.transport.request({
        method: 'GET',
        path: `/api/v1/runs/${enc(runId)}/results`,
        query,
        schema: RunResultsSchema,
      }),
    list: (query: Partial<z.output<typeof ListRunsQuerySchema>> = {}) =>
      this.transport.request({ method: 'GET', path: '/api/v1/runs', query, schema: RunListSchema }),
    compare: (runId: string, baseRunId: string) =>
      this.transport.request({
        method: 'GET',
        path: `/api/v1/runs/${enc(runId)}/compare/${enc(baseRunId)}`,
        schema: RunCompareSchema,
      }),
    /** The OTLP spans of one run item (by its 1-based ordinal), linked by the item's trace id. */
    itemSpans: (runId: string, ordinal: number) =>
      this.transport.request({
        method: 'GET',
        path: `/api/v1/runs/${enc(runId)}/items/${ordinal}/spans`,
        schema: RunItemSpansSchema,
      }),
  }

  /** Agents the server calls in Gradient evaluation runs; keys go in, never come out. */
  readonly agents = {
    add: (body: CreateAgentBody) =>
      this.transport.request({
        method: 'POST',
        path: '/api/v1/agents',
        body,
        schema: AgentSchema,
        idempotent: false,
      }),
    list: () => this.transport.request({ method: 'GET', path: '/api/v1/agents', schema: AgentListSchema }),
    remove: (idOrName: string) =>
      this.transport.request({
        method: 'DELETE',
        path: `/api/v1/agents/${enc(idOrName)}`,
        schema: AgentSchema,
        idempotent: false,
      }),
    /** Cancels an agent's evaluation run (idempotent). */
    cancelRun: (runId: string) =>
      this.transport.request({
        method: 'POST',
        path: `/api/v1/runs/${enc(runId)}/cancel`,
        schema: CancelRunResponseSchema,
      }),
  }

  close(): Promise<void> {
    return this.transport.close()
  }
}

function enc(id: string): string {
  return encodeURIComponent(id)
}
