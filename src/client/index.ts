// The typed client of the evalgate server and the programmatic evaluation API.
export { EvalgateApi } from './api.js'
export { type CreateClientOptions, connectClient, createClient, EvalgateClient } from './client.js'
export { type Connection, type ConnectionMode, type ConnectOptions, connect } from './connect.js'
export type {
  CreateDatasetOptions,
  DatasetItemToAdd,
  DatasetRecord,
  DatasetWithItems,
} from './datasets-api.js'
export {
  addDatasetItem,
  closeDefaultClient,
  createDataset,
  createRun,
  getDataset,
  getRunResults,
  runTestSuite,
} from './defaults.js'
export { readServerInfo, removeServerInfo, type ServerInfo, writeServerInfo } from './discovery.js'
export { describeApiError, EvalgateApiError, isEvalgateApiError } from './errors.js'
export {
  DEFAULT_EVALUATION_TIMEOUT_MS,
  evaluationTimeoutMs,
  waitForEvaluation,
} from './evaluation.js'
export type { TransportOptions } from './http.js'
export { Outbox, type OutboxHeader } from './outbox.js'
export type {
  CreateRunOptions,
  RunResultsData,
  RunResultsEnvelope,
  RunTestSuiteItem,
  RunTestSuiteOptions,
  RunTestSuiteResult,
} from './programmatic.js'
export { type ServerDatasetOptions, serverDataset } from './server-dataset.js'
