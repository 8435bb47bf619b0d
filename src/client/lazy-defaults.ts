import type { JsonValue } from '../schema/common.js'
import type * as datasetsApi from './datasets-api.js'
import type * as programmatic from './programmatic.js'

// The module-level client functions as the root entry (`evalgate`) exports them. Every Vitest worker
// imports that entry for describeEval; the client, its schemas and the server connection load on
// the first call instead of in every worker.
const defaults = () => import('./defaults.js')

export async function createDataset(options: datasetsApi.CreateDatasetOptions) {
  return (await defaults()).createDataset(options)
}

export async function addDatasetItem(datasetId: string, item: datasetsApi.DatasetItemToAdd) {
  return (await defaults()).addDatasetItem(datasetId, item)
}

export async function getDataset(datasetId: string) {
  return (await defaults()).getDataset(datasetId)
}

export async function createRun(options: programmatic.CreateRunOptions) {
  return (await defaults()).createRun(options)
}

export async function runTestSuite<I = JsonValue, O = unknown, E = JsonValue>(
  options: programmatic.RunTestSuiteOptions<I, O, E>,
) {
  return (await defaults()).runTestSuite<I, O, E>(options)
}

export async function getRunResults(runId: string) {
  return (await defaults()).getRunResults(runId)
}

export async function closeDefaultClient(): Promise<void> {
  return (await defaults()).closeDefaultClient()
}
