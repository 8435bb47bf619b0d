/** evalgate resources → Netra wire shapes (src/schema/netra.ts), and Netra evaluator results → scores. */
import type { Dataset, DatasetItem, RunItem } from '../../schema/api.js'
import type { JsonValue } from '../../schema/common.js'
import type { ScoreResult } from '../../schema/meta.js'
import type {
  NetraDataset,
  NetraDatasetItem,
  NetraEvaluatorConfig,
  NetraEvaluatorResult,
  NetraRunItem,
} from '../../schema/netra.js'
import type { NetraRunItemsTable } from '../../store/schema.js'

/** W3C's "invalid" ids: what a run item stores when the SDK sent no trace or span id. */
export const NO_TRACE_ID = '0'.repeat(32)
export const NO_SPAN_ID = '0'.repeat(16)

export function toNetraDataset(d: Dataset): NetraDataset {
  return {
    id: d.id,
    name: d.name,
    tags: d.tags,
    turnType: d.turnType,
    projectId: d.projectId,
    organizationId: null,
    createdBy: null,
    updatedBy: null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    deletedAt: null,
  }
}

export function toNetraDatasetItem(projectId: string, i: DatasetItem): NetraDatasetItem {
  return {
    id: i.id,
    datasetId: i.datasetId,
    projectId,
    organizationId: null,
    source: null,
    sourceId: null,
    input: i.input,
    expectedOutput: i.expected ?? null,
    tags: i.tags,
    metadata: i.metadata,
    isActive: true,
    createdBy: null,
    updatedBy: null,
    createdAt: i.createdAt,
    updatedAt: i.createdAt,
    deletedAt: null,
  }
}

/** The stored evaluator configs of a run (`netra_runs.local_evaluators`), as the wire lists them. */
export function toNetraEvaluators(configs: readonly NetraEvaluatorConfig[]) {
  return configs.map((c) => ({ name: c.name, label: c.label ?? null, scoreType: c.scoreType ?? 'numerical' }))
}

/**
 * One Netra evaluator result as an evalgate score. Netra's unit of passing is `isPassed` (the
 * evaluator decides; there is no threshold), and `result` may be a boolean, a number on any scale
 * or a category. The score (evalgate scores lie in [0, 1]) is: a boolean result as 1/0, a number
 * in [0, 1] as is, anything else `isPassed` as 1/0 (null when absent too). The result itself is
 * kept verbatim in the score's metadata (`result`) and answered back unchanged.
 */
export function toScore(r: NetraEvaluatorResult): ScoreResult {
  const result: JsonValue = r.result === undefined ? null : r.result
  let score: number | null
  if (typeof result === 'boolean') score = result ? 1 : 0
  else if (typeof result === 'number' && result >= 0 && result <= 1) score = result
  else score = r.isPassed === undefined ? null : r.isPassed ? 1 : 0
  const passed = r.isPassed ?? (typeof result === 'boolean' ? result : null)
  return {
    metric: r.evaluatorName,
    score,
    passed,
    threshold: null,
    inverted: false,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    metadata: { result },
    durationMs: 0,
  }
}

export function toNetraRunItem(item: RunItem, netra: NetraRunItemsTable | undefined): NetraRunItem {
  return {
    id: item.id,
    runId: item.runId,
    ordinal: item.ordinal,
    itemId: item.itemId,
    datasetItemId: netra?.dataset_item_id ?? null,
    input: item.input,
    expectedOutput: item.expected ?? null,
    metadata: item.metadata,
    status: item.status === 'completed' ? 'completed' : 'failed',
    taskOutput: item.status === 'completed' ? item.output : null,
    passed: item.passed,
    traceId: item.traceId === NO_TRACE_ID ? null : item.traceId,
    spanId: item.spanId === NO_SPAN_ID ? null : item.spanId,
    sessionId: netra?.session_id ?? null,
    evaluatorResults: item.scores.map((s) => ({
      evaluatorName: s.metric,
      result: s.metadata && 'result' in s.metadata ? (s.metadata.result ?? null) : s.score,
      isPassed: s.passed,
      reason: s.reason ?? null,
    })),
  }
}
