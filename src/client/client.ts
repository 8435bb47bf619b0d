import type { EvalTask } from '../core/types.js'
import type { ItemInput } from '../dataset/index.js'
import type { Dataset } from '../dataset/types.js'
import type { JsonValue } from '../schema/common.js'
import { EvalgateApi } from './api.js'
import { type Connection, type ConnectOptions, connect } from './connect.js'
import * as datasetsApi from './datasets-api.js'
import * as programmatic from './programmatic.js'
import { type ServerDatasetOptions, serverDataset } from './server-dataset.js'

export interface CreateClientOptions {
  /** Server URL. Default `EVALGATE_URL`. */
  url?: string
  /** API key. Default `EVALGATE_API_KEY`. */
  apiKey?: string
  /** Per attempt. Default 30 000 ms. */
  timeoutMs?: number
  /** Extra attempts after connection errors and 5xx (never 4xx), with exponential backoff. Default 3. */
  retries?: number
  env?: NodeJS.ProcessEnv
}

/**
 * The evalgate client: the typed native API (`client.api`) and the programmatic evaluation API
 * mirroring the Netra SDK (createDataset, addDatasetItem, getDataset, createRun, runTestSuite,
 * getRunResults).
 */
export class EvalgateClient {
  readonly api: EvalgateApi
  private readonly onClose: (() => Promise<void>) | undefined

  constructor(api: EvalgateApi, onClose?: () => Promise<void>) {
    this.api = api
    this.onClose = onClose
  }

  get url(): string {
    return this.api.url
  }

  createDataset(options: datasetsApi.CreateDatasetOptions) {
    return datasetsApi.createDataset(this.api, options)
  }

  addDatasetItem(datasetId: string, item: datasetsApi.DatasetItemToAdd) {
    return datasetsApi.addDatasetItem(this.api, datasetId, item)
  }

  /** The dataset and all its items; pass the result as `runTestSuite({ data })`. */
  getDataset(datasetId: string) {
    return datasetsApi.getDataset(this.api, datasetId)
  }

  createRun(options: programmatic.CreateRunOptions) {
    return programmatic.createRun(this.api, options)
  }

  runTestSuite<I = JsonValue, O = unknown, E = JsonValue>(
    options: programmatic.RunTestSuiteOptions<I, O, E> & {
      data: datasetsApi.DatasetWithItems | Dataset<I, E> | readonly ItemInput<I, E>[]
      task: EvalTask<I, O, E>
    },
  ) {
    return programmatic.runTestSuite<I, O, E>(this.api, options)
  }

  getRunResults(runId: string) {
    return programmatic.getRunResults(this.api, runId)
  }

  /** A Dataset loading its items from this server (for describeEval or runTestSuite). */
  serverDataset<I = JsonValue, E = JsonValue>(
    datasetId: string,
    options: Omit<ServerDatasetOptions, 'api'> = {},
  ) {
    return serverDataset<I, E>(datasetId, { ...options, api: this.api })
  }

  async close(): Promise<void> {
    if (this.onClose) await this.onClose()
    else await this.api.close()
  }
}

/**
 * A client of a remote server: `url` / `EVALGATE_URL`, with `apiKey` / `EVALGATE_API_KEY`.
 * Throws when no URL is given; use {@link connectClient} to fall back to the local database.
 */
export function createClient(options: CreateClientOptions = {}): EvalgateClient {
  const env = options.env ?? process.env
  const url = options.url ?? (env.EVALGATE_URL || undefined)
  if (!url) {
    throw new TypeError(
      'evalgate: no server URL: pass createClient({ url }) or set EVALGATE_URL (connectClient() also finds a running `evalgate serve` or opens .evalgate/evalgate.db)',
    )
  }
  return new EvalgateClient(
    new EvalgateApi({
      url,
      apiKey: options.apiKey ?? (env.EVALGATE_API_KEY || undefined),
      timeoutMs: options.timeoutMs,
      retries: options.retries,
    }),
  )
}

/**
 * A client resolved like the reporter's: EVALGATE_URL, else a running `evalgate serve`, else an
 * embedded server over `.evalgate/evalgate.db` in this process. `close()` stops the embedded server.
 */
export async function connectClient(
  options: ConnectOptions = {},
): Promise<EvalgateClient & { connection: Connection }> {
  const connection = await connect(options)
  const client = new EvalgateClient(connection.api, () => connection.close()) as EvalgateClient & {
    connection: Connection
  }
  client.connection = connection
  return client
}
