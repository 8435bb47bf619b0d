import { fmt } from '../../gate/format.js'
import type {
  Dataset,
  Metric,
  MetricSummary,
  Run,
  RunItem,
  RunStatus,
  StarResult,
  Suite,
} from '../../schema/api.js'
import type { JsonValue } from '../../schema/common.js'
import type {
  APIEvaluationDataset,
  APIEvaluationMetric,
  APIEvaluationMetricResult,
  APIEvaluationPrompt,
  APIEvaluationRun,
  APIEvaluationTestCase,
  APIStarMetric,
  GradientMetricValueType,
  GradientRunStatus,
} from '../../schema/gradient.js'
import type { ScoreResult } from '../../schema/meta.js'
import type { MetricDef, MetricValueType } from '../../schema/metric.js'

/**
 * Pure mappers from evalgate resources to Gradient wire shapes. Scores are stored in [0, 1];
 * metrics whose value type is `percentage` are expressed on the Gradient wire in percent (0–100),
 * the way Gradient's own percentage metrics are, so their values and ranges are scaled by 100.
 */

const RUN_STATUS: Record<RunStatus, GradientRunStatus> = {
  queued: 'EVALUATION_RUN_QUEUED',
  running: 'EVALUATION_RUN_RUNNING_DATASET',
  evaluating: 'EVALUATION_RUN_EVALUATING_RESULTS',
  succeeded: 'EVALUATION_RUN_SUCCESSFUL',
  partially_succeeded: 'EVALUATION_RUN_PARTIALLY_SUCCESSFUL',
  failed: 'EVALUATION_RUN_FAILED',
  cancelled: 'EVALUATION_RUN_CANCELLED',
}

export function toGradientRunStatus(status: RunStatus): GradientRunStatus {
  return RUN_STATUS[status]
}

const VALUE_TYPE: Record<MetricValueType, GradientMetricValueType> = {
  number: 'METRIC_VALUE_TYPE_NUMBER',
  string: 'METRIC_VALUE_TYPE_STRING',
  percentage: 'METRIC_VALUE_TYPE_PERCENTAGE',
}

export function toGradientValueType(valueType: MetricValueType | undefined): GradientMetricValueType {
  return valueType ? VALUE_TYPE[valueType] : 'METRIC_VALUE_TYPE_UNSPECIFIED'
}

/** A stored value as the Gradient wire expresses it for a metric of this value type. */
export function toWireNumber(value: number, valueType: MetricValueType | undefined): number {
  return valueType === 'percentage' ? roundTo(value * 100, 10) : value
}

/** Gradient's `input`, `output` and `ground_truth` are strings: strings pass through, other JSON is serialised. */
export function toWireText(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}

type MetricLike = Pick<MetricDef, 'name' | 'valueType'>
type MetricTypes = ReadonlyMap<string, MetricValueType>

/** Name → value type, for the metrics a run or test case was defined with. */
export function metricValueTypes(metrics: readonly MetricLike[]): MetricTypes {
  return new Map(metrics.map((m) => [m.name, m.valueType]))
}

/** A catalogue metric, or a suite's metric definition with its catalogue id when known. */
export function toGradientMetric(metric: Metric | (MetricDef & { id?: string })): APIEvaluationMetric {
  const scale = (v: number) => toWireNumber(v, metric.valueType)
  return omitUndefined({
    metric_uuid: metric.id,
    metric_name: metric.name,
    description: metric.description,
    metric_type: 'METRIC_TYPE_GENERAL_QUALITY' as const,
    metric_value_type: toGradientValueType(metric.valueType),
    range_min: scale(metric.rangeMin),
    range_max: scale(metric.rangeMax),
    inverted: metric.inverted,
  })
}

/** `success_threshold` is in the metric's wire unit (percent for percentage metrics), like its values. */
export function toGradientStarMetric(
  star: NonNullable<Suite['star']>,
  metricIds: ReadonlyMap<string, string>,
  valueType: MetricValueType | undefined,
): APIStarMetric {
  return omitUndefined({
    metric_uuid: metricIds.get(star.metric),
    name: star.metric,
    success_threshold:
      star.successThreshold === undefined ? undefined : toWireNumber(star.successThreshold, valueType),
    success_threshold_pct: star.successThresholdPct,
  })
}

/** Inverse of toWireNumber: a wire value (percent for percentage metrics) in the stored [0, 1] scale. */
export function fromWireNumber(value: number, valueType: MetricValueType | undefined): number {
  return valueType === 'percentage' ? roundTo(value / 100, 12) : value
}

export interface TestCaseContext {
  /** Catalogue ids of the suite's metrics, by name. */
  metricIds: ReadonlyMap<string, string>
  /** The suite's dataset, when it is stored on this server. */
  dataset?: Pick<Dataset, 'id' | 'name' | 'createdAt' | 'itemCount'> | null
  datasetFileSize?: number | null
  datasetHasGroundTruth?: boolean | null
  /** Runs of the suite's current version. */
  latestVersionRuns?: number
}

export function toGradientTestCase(suite: Suite, ctx: TestCaseContext): APIEvaluationTestCase {
  const datasetUuid = suite.datasetId ?? ctx.dataset?.id ?? undefined
  return omitUndefined({
    test_case_uuid: suite.id,
    name: suite.name,
    description: suite.description,
    version: suite.version,
    dataset_uuid: datasetUuid,
    dataset_name: suite.datasetName,
    dataset: omitUndefined({
      dataset_uuid: datasetUuid,
      dataset_name: suite.datasetName,
      created_at: ctx.dataset?.createdAt,
      file_size: ctx.datasetFileSize == null ? undefined : String(ctx.datasetFileSize),
      has_ground_truth: ctx.datasetHasGroundTruth ?? undefined,
      row_count: suite.datasetSize,
    }),
    metrics: suite.metrics.map((m) => toGradientMetric({ ...m, id: ctx.metricIds.get(m.name) })),
    star_metric: suite.star
      ? toGradientStarMetric(
          suite.star,
          ctx.metricIds,
          suite.metrics.find((m) => m.name === suite.star?.metric)?.valueType,
        )
      : undefined,
    total_runs: suite.totalRuns,
    latest_version_number_of_runs: ctx.latestVersionRuns,
    created_at: suite.createdAt,
    updated_at: suite.updatedAt,
  })
}

export function toRunLevelMetricResult(
  summary: MetricSummary,
  valueType: MetricValueType | undefined,
): APIEvaluationMetricResult {
  const wire = (v: number) => fmt(toWireNumber(v, valueType))
  const parts: string[] = []
  if (summary.mean !== null && summary.min !== null && summary.max !== null) {
    parts.push(
      `mean of ${summary.count} scored item${summary.count === 1 ? '' : 's'} (min ${wire(summary.min)}, max ${wire(summary.max)})`,
    )
  }
  if (summary.passRate !== null && summary.threshold !== null) {
    parts.push(
      `${fmt(summary.passRate * 100)}% passed ${summary.inverted ? '<=' : '>='} ${wire(summary.threshold)}`,
    )
  }
  if (summary.nullCount > 0) parts.push(`${summary.nullCount} not applicable`)
  if (summary.errorCount > 0)
    parts.push(`${summary.errorCount} evaluator error${summary.errorCount === 1 ? '' : 's'}`)
  return omitUndefined({
    metric_name: summary.name,
    metric_value_type: toGradientValueType(valueType),
    number_value: summary.mean === null ? undefined : toWireNumber(summary.mean, valueType),
    reasoning: parts.length > 0 ? parts.join('; ') : undefined,
    error_description:
      summary.count === 0 && summary.errorCount > 0
        ? `no score: all ${summary.errorCount} evaluations of ${summary.name} failed`
        : undefined,
  })
}

export function toStarMetricResult(
  star: StarResult,
  valueType: MetricValueType | undefined,
): APIEvaluationMetricResult {
  const parts = [`${star.passed ? 'passed' : 'failed'} (${star.rule})`]
  if (star.passRatePct !== null) parts.push(`${fmt(star.passRatePct)}% of items passed`)
  return omitUndefined({
    metric_name: star.metric,
    metric_value_type: toGradientValueType(valueType),
    number_value: star.value === null ? undefined : toWireNumber(star.value, valueType),
    reasoning: parts.join('; '),
    error_description: star.value === null ? `no score for star metric ${star.metric}` : undefined,
  })
}

export interface RunContext {
  /** Value types of the run's metrics, by name (from its suite). */
  valueTypes: MetricTypes
  suiteDescription?: string
  /** The agent of a run made by `POST /evaluation_runs`. */
  agent?: { uuid: string; name: string; deleted: boolean }
  /** A cancel was asked for and the worker has not stopped yet: EVALUATION_RUN_CANCELLING. */
  cancelling?: boolean
}

export function toGradientRun(run: Run, ctx: RunContext): APIEvaluationRun {
  const { summary } = run
  return omitUndefined({
    evaluation_run_uuid: run.id,
    run_name: run.name,
    status: ctx.cancelling ? 'EVALUATION_RUN_CANCELLING' : toGradientRunStatus(run.status),
    pass_status: summary.verdict.passed ?? undefined,
    star_metric_result: summary.star
      ? toStarMetricResult(summary.star, ctx.valueTypes.get(summary.star.metric))
      : undefined,
    run_level_metric_results: summary.metrics.map((m) =>
      toRunLevelMetricResult(m, ctx.valueTypes.get(m.name)),
    ),
    error_description: run.errorDescription ?? undefined,
    queued_at: run.queuedAt,
    started_at: run.startedAt ?? undefined,
    finished_at: run.finishedAt ?? undefined,
    test_case_uuid: run.suiteId,
    test_case_name: run.suiteName,
    test_case_description: ctx.suiteDescription,
    test_case_version: run.suiteVersion,
    agent_uuid: ctx.agent?.uuid,
    agent_name: ctx.agent?.name,
    agent_deleted: ctx.agent?.deleted,
  })
}

export function toPromptMetricResult(
  score: ScoreResult,
  valueType: MetricValueType | undefined,
): APIEvaluationMetricResult {
  return omitUndefined({
    metric_name: score.metric,
    metric_value_type: toGradientValueType(valueType),
    number_value: score.score === null ? undefined : toWireNumber(score.score, valueType),
    reasoning: score.reason,
    error_description: score.error,
  })
}

export function toGradientPrompt(item: RunItem, valueTypes: MetricTypes): APIEvaluationPrompt {
  return omitUndefined({
    prompt_id: item.ordinal,
    input: toWireText(item.input),
    output: toWireText(item.output ?? undefined),
    ground_truth: toWireText(item.expected),
    input_tokens: item.usage ? String(item.usage.inputTokens) : undefined,
    output_tokens: item.usage ? String(item.usage.outputTokens) : undefined,
    prompt_level_metric_results: item.scores.map((s) => toPromptMetricResult(s, valueTypes.get(s.metric))),
    prompt_chunks: [],
    trace_id: item.traceId,
  })
}

export interface DatasetContext {
  fileSize?: number | null
  hasGroundTruth: boolean
}

export function toGradientDataset(dataset: Dataset, ctx: DatasetContext): APIEvaluationDataset {
  return omitUndefined({
    dataset_uuid: dataset.id,
    dataset_name: dataset.name,
    created_at: dataset.createdAt,
    row_count: dataset.itemCount,
    file_size: ctx.fileSize == null ? undefined : String(ctx.fileSize),
    has_ground_truth: ctx.hasGroundTruth,
  })
}

/** Gradient pagination links and meta for page `page` of `total` items, `perPage` per page. */
export function paginate(
  baseUrl: string,
  page: number,
  perPage: number,
  total: number,
): { links: { pages: Record<string, string> }; meta: { page: number; pages: number; total: number } } {
  const pages = Math.max(1, Math.ceil(total / perPage))
  const url = (p: number) => `${baseUrl}?page=${p}&per_page=${perPage}`
  const links: Record<string, string> = { first: url(1), last: url(pages) }
  if (page < pages) links.next = url(page + 1)
  if (page > 1) links.previous = url(Math.min(page - 1, pages))
  return { links: { pages: links }, meta: { page, pages, total } }
}

function roundTo(n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** Drops undefined-valued keys, so absent values are absent on the wire (not `null`). */
export function omitUndefined<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v
  return out as T
}
