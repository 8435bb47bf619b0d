/** Row → wire mappers for the native API, written once and used by every route and service. */

import type * as z from 'zod'
import type {
  ApiKeySchema,
  Dataset,
  DatasetItem,
  DatasetVersion,
  Metric,
  Project,
  Run,
  RunItem,
  RunSummary,
  Suite,
} from '../schema/api.js'
import { runPagePath } from '../schema/api.js'
import type { JsonObject, JsonValue, TurnType } from '../schema/common.js'
import type { ServerEvaluatorRef } from '../schema/evaluators.js'
import type { Gate, StarMetric } from '../schema/gate.js'
import type { ItemError, ScoreResult, ToolCall } from '../schema/meta.js'
import type { MetricDef, MetricValueType, ScoreType } from '../schema/metric.js'
import type { RunRow } from '../store/repos/runs.js'
import type { SuiteWithVersion } from '../store/repos/suites.js'
import type {
  ApiKeysTable,
  DatasetItemsTable,
  DatasetsTable,
  DatasetVersionsTable,
  MetricsTable,
  ProjectsTable,
  RunItemsTable,
  ScoresTable,
} from '../store/schema.js'
import { parseJson, parseJsonOrUndefined } from './service/util.js'

export function toProject(r: ProjectsTable): Project {
  return { id: r.id, name: r.name, createdAt: r.created_at }
}

export function toApiKey(r: ApiKeysTable): z.infer<typeof ApiKeySchema> {
  return {
    id: r.id,
    projectId: r.project_id,
    prefix: r.prefix,
    scope: r.scope === 'admin' ? 'admin' : 'project',
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }
}

export function toDataset(r: DatasetsTable): Dataset {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    tags: parseJson<string[]>(r.tags),
    turnType: r.turn_type as TurnType,
    version: r.version,
    contentHash: r.content_hash,
    itemCount: r.item_count,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export function toDatasetItem(r: DatasetItemsTable): DatasetItem {
  const expected = parseJsonOrUndefined(r.expected)
  return {
    id: r.id,
    datasetId: r.dataset_id,
    input: parseJson(r.input),
    ...(expected !== undefined ? { expected } : {}),
    tags: parseJson<string[]>(r.tags),
    metadata: parseJson<JsonObject>(r.metadata),
    createdAt: r.created_at,
  }
}

export function toDatasetVersion(r: DatasetVersionsTable): DatasetVersion {
  return {
    datasetId: r.dataset_id,
    version: r.version,
    contentHash: r.content_hash,
    itemCount: r.item_count,
    createdAt: r.created_at,
  }
}

export function toMetricDef(r: MetricsTable): MetricDef {
  return {
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    scoreType: r.score_type as ScoreType,
    valueType: r.value_type as MetricValueType,
    rangeMin: r.range_min,
    rangeMax: r.range_max,
    inverted: r.inverted !== 0,
    threshold: r.threshold,
    ...(r.evaluator !== null ? { evaluator: parseJson<ServerEvaluatorRef>(r.evaluator) } : {}),
  }
}

export function toMetric(r: MetricsTable): Metric {
  return { id: r.id, projectId: r.project_id, ...toMetricDef(r) }
}

export function toSuite(r: SuiteWithVersion): Suite {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    version: r.version,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    datasetVersion: r.dataset_version,
    datasetSize: r.dataset_size,
    turnType: r.turn_type as TurnType,
    metrics: parseJson<MetricDef[]>(r.metrics),
    star: r.star === null ? null : parseJson<StarMetric>(r.star),
    gate: r.gate === null ? null : parseJson<Gate>(r.gate),
    totalRuns: r.total_runs,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export function toRun(r: RunRow, summary: RunSummary): Run {
  return {
    id: r.id,
    projectId: r.project_id,
    suiteId: r.suite_id,
    suiteName: r.suite_name,
    suiteVersion: r.suite_version,
    runGroup: r.run_group,
    name: r.name,
    status: r.status as Run['status'],
    evaluationStatus: r.evaluation_status as Run['evaluationStatus'],
    datasetVersion: r.dataset_version,
    turnType: r.turn_type as TurnType,
    origin: r.origin,
    errorDescription: r.error_description,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    summary,
    url: runPagePath(r.id),
  }
}

export function toScore(s: ScoresTable): ScoreResult {
  return {
    metric: s.metric,
    score: s.score,
    passed: s.passed === null ? null : s.passed !== 0,
    threshold: s.threshold,
    inverted: s.inverted !== 0,
    ...(s.reason !== null ? { reason: s.reason } : {}),
    ...(s.metadata !== null ? { metadata: parseJson<JsonObject>(s.metadata) } : {}),
    ...(s.error !== null ? { error: s.error } : {}),
    durationMs: s.duration_ms,
  }
}

/** Run items are keyed by (run, ordinal); their wire id says both. */
export function runItemId(runId: string, ordinal: number): string {
  return `${runId}:${ordinal}`
}

export function toRunItem(r: RunItemsTable, scores: readonly ScoresTable[]): RunItem {
  const expected = parseJsonOrUndefined(r.expected)
  return {
    id: runItemId(r.run_id, r.ordinal),
    runId: r.run_id,
    ordinal: r.ordinal,
    itemId: r.item_id,
    index: r.idx,
    trial: r.trial,
    input: parseJson(r.input),
    ...(expected !== undefined ? { expected } : {}),
    tags: parseJson<string[]>(r.tags),
    metadata: parseJson<JsonObject>(r.metadata),
    status: r.status as RunItem['status'],
    output: parseJson<JsonValue>(r.output),
    error: r.error === null ? null : parseJson<ItemError>(r.error),
    passed: r.passed !== 0,
    latencyMs: r.latency_ms,
    startedAt: r.started_at,
    usage:
      r.input_tokens === null || r.output_tokens === null
        ? null
        : { inputTokens: r.input_tokens, outputTokens: r.output_tokens },
    costUsd: r.cost_usd,
    toolCalls: r.tool_calls === null ? null : parseJson<ToolCall[]>(r.tool_calls),
    traceId: r.trace_id,
    spanId: r.span_id,
    scores: scores.map(toScore),
  }
}
