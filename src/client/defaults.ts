import type { JsonValue } from '../schema/common.js'
import { connectClient, type EvalgateClient } from './client.js'
import type * as datasetsApi from './datasets-api.js'
import type * as programmatic from './programmatic.js'

/**
 * Module-level functions (Netra style) use one default client, resolved on first use like the
 * reporter (EVALGATE_URL / EVALGATE_API_KEY, else a running `evalgate serve`, else the local
 * `.evalgate/evalgate.db` through an in-process server). Call `closeDefaultClient()` when done.
 */
let defaultClient: Promise<EvalgateClient> | null = null

function client(): Promise<EvalgateClient> {
  defaultClient ??= connectClient().catch((error: unknown) => {
    defaultClient = null
    throw error
  })
  return defaultClient
}

export async function closeDefaultClient(): Promise<void> {
  const current = defaultClient
  defaultClient = null
  if (current) await (await current).close()
}

export async function createDataset(options: datasetsApi.CreateDatasetOptions) {
  return (await client()).createDataset(options)
}

export async function addDatasetItem(datasetId: string, item: datasetsApi.DatasetItemToAdd) {
  return (await client()).addDatasetItem(datasetId, item)
}

export async function getDataset(datasetId: string) {
  return (await client()).getDataset(datasetId)
}

export async function createRun(options: programmatic.CreateRunOptions) {
  return (await client()).createRun(options)
}

export async function runTestSuite<I = JsonValue, O = unknown, E = JsonValue>(
  options: programmatic.RunTestSuiteOptions<I, O, E>,
) {
  return (await client()).runTestSuite<I, O, E>(options)
}

export async function getRunResults(runId: string) {
  return (await client()).getRunResults(runId)
}
