/**
 * Run-level metrics: pure functions over every item of a run (computed by the server, so all
 * shards of a run see one value). Declared under `gate.runMetrics` (see RunMetricSpecSchema).
 *
 * Formulas, over the completed items that have both a prediction and a label (compared as text):
 * - accuracy = agreeing items / items
 * - per label k: precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R); null when
 *   the denominator is 0. precision / recall / f1 without `positive` are macro averages over every
 *   label seen in predictions or labels, an undefined per-label value counting as 0 (as scikit-learn's
 *   default `zero_division=0`).
 * - Cohen's κ = (pₒ − pₑ) / (1 − pₑ), pₒ = accuracy, pₑ = Σₖ (predictedₖ / N) · (labelledₖ / N);
 *   null when pₑ = 1 (both sides used one single label: agreement by chance is certain).
 * - mean; median and p95 by nearest rank (as the summary's p95 latency).
 */
import type { GateCheck, RunSummary } from '../schema/api.js'
import type { Gate } from '../schema/gate.js'
import {
  isClassification,
  type RunMetricResult,
  type RunMetricSpec,
  runMetricType,
} from '../schema/run-metrics.js'
import { withVerdict } from './summary.js'

/** What run metrics read from one run item. */
export interface RunMetricRow {
  status: string
  output: unknown
  expected: unknown
  metadata: unknown
  /** Null when unknown (left out of distributions over `latencyMs`). */
  latencyMs: number | null
  costUsd: number | null
  /** By metric name: the score and the score's metadata (a judge's `choice` is there). */
  scores: Record<string, { score: number | null; metadata: unknown }>
}

export function computeRunMetrics(
  specs: Readonly<Record<string, RunMetricSpec>>,
  rows: readonly RunMetricRow[],
): RunMetricResult[] {
  return Object.entries(specs).map(([name, spec]) => {
    const type = runMetricType(name, spec)
    if (isClassification(type)) {
      const pairs: [string, string][] = []
      for (const row of rows) {
        if (row.status !== 'completed') continue
        const predicted = asLabel(readPath(row, spec.predicted ?? 'output'))
        const label = asLabel(readPath(row, spec.label ?? 'expected'))
        if (predicted !== null && label !== null) pairs.push([predicted, label])
      }
      return classification(name, type, pairs, spec.positive)
    }
    const values = distributionValues(rows, spec.of ?? '')
    values.sort((a, b) => a - b)
    const value =
      values.length === 0
        ? null
        : type === 'mean'
          ? values.reduce((sum, v) => sum + v, 0) / values.length
          : nearestRank(values, type === 'median' ? 50 : 95)
    return { name, type, value, count: values.length }
  })
}

function classification(
  name: string,
  type: RunMetricResult['type'],
  pairs: readonly [string, string][],
  positive: string | undefined,
): RunMetricResult {
  const n = pairs.length
  if (n === 0) return { name, type, value: null, count: 0 }
  const labels = [...new Set(pairs.flat())].sort()
  const predictedCount = new Map<string, number>()
  const labelCount = new Map<string, number>()
  const truePositive = new Map<string, number>()
  let agree = 0
  for (const [predicted, label] of pairs) {
    predictedCount.set(predicted, (predictedCount.get(predicted) ?? 0) + 1)
    labelCount.set(label, (labelCount.get(label) ?? 0) + 1)
    if (predicted === label) {
      agree++
      truePositive.set(label, (truePositive.get(label) ?? 0) + 1)
    }
  }
  const perLabel: NonNullable<RunMetricResult['perLabel']> = {}
  for (const label of labels) {
    const tp = truePositive.get(label) ?? 0
    const predicted = predictedCount.get(label) ?? 0
    const actual = labelCount.get(label) ?? 0
    const precision = predicted === 0 ? null : tp / predicted
    const recall = actual === 0 ? null : tp / actual
    const f1 =
      precision === null || recall === null
        ? null
        : precision + recall === 0
          ? 0
          : (2 * precision * recall) / (precision + recall)
    perLabel[label] = { precision, recall, f1, support: actual }
  }
  let value: number | null
  if (type === 'accuracy') value = agree / n
  else if (type === 'kappa') {
    const po = agree / n
    let pe = 0
    for (const label of labels)
      pe += ((predictedCount.get(label) ?? 0) / n) * ((labelCount.get(label) ?? 0) / n)
    value = Math.abs(1 - pe) < 1e-12 ? null : (po - pe) / (1 - pe)
  } else {
    const key = type as 'precision' | 'recall' | 'f1'
    if (positive !== undefined) value = perLabel[positive]?.[key] ?? null
    else value = labels.reduce((sum, label) => sum + (perLabel[label]![key] ?? 0), 0) / labels.length
  }
  return { name, type, value, count: n, perLabel }
}

function distributionValues(rows: readonly RunMetricRow[], of: string): number[] {
  const values: number[] = []
  for (const row of rows) {
    const value =
      of === 'latencyMs' ? row.latencyMs : of === 'costUsd' ? row.costUsd : (row.scores[of]?.score ?? null)
    if (typeof value === 'number' && Number.isFinite(value)) values.push(value)
  }
  return values
}

function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

/** `output`, `expected`, `metadata.a.b`, `output.a`, `scores.<metric>.choice|score`. */
export function readPath(row: RunMetricRow, path: string): unknown {
  if (path.startsWith('scores.')) {
    const rest = path.slice('scores.'.length)
    const dot = rest.lastIndexOf('.')
    const metric = dot === -1 ? rest : rest.slice(0, dot)
    const field = dot === -1 ? 'score' : rest.slice(dot + 1)
    const score = row.scores[metric]
    if (!score) return undefined
    if (field === 'score') return score.score
    return (score.metadata as Record<string, unknown> | null)?.[field]
  }
  const [head, ...tail] = path.split('.')
  let value: unknown =
    head === 'output'
      ? row.output
      : head === 'expected'
        ? row.expected
        : head === 'metadata'
          ? row.metadata
          : undefined
  for (const part of tail) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
  }
  return value
}

function asLabel(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** Gate checks of the run metrics that have `min` and/or `max`. */
export function runMetricChecks(
  specs: Readonly<Record<string, RunMetricSpec>>,
  results: readonly RunMetricResult[],
): GateCheck[] {
  const checks: GateCheck[] = []
  for (const result of results) {
    const spec = specs[result.name]
    if (!spec) continue
    const bounds: ['min' | 'max', '>=' | '<=', number | undefined][] = [
      ['min', '>=', spec.min],
      ['max', '<=', spec.max],
    ]
    for (const [bound, op, expected] of bounds) {
      if (expected === undefined) continue
      const actual = result.value
      const passed =
        actual !== null && (op === '>=' ? actual >= expected - 1e-12 : actual <= expected + 1e-12)
      const shown = (n: number) => String(Number(n.toFixed(3)))
      const label = result.name === result.type ? result.name : `${result.name} (${result.type})`
      checks.push({
        condition: `runMetrics.${result.name}.${bound}`,
        actual,
        expected,
        op,
        passed,
        message:
          actual === null
            ? `${label} has no value (needs ${op} ${shown(expected)}; computed over ${result.count} items)`
            : `${label} ${shown(actual)} ${passed ? op : op === '>=' ? '<' : '>'} ${shown(expected)}`,
      })
    }
  }
  return checks
}

/**
 * The summary with the run metrics added and their gate checks appended to the gate's; the verdict
 * is decided again over the combined checks (src/gate/verdict.ts, the one rule).
 */
export function withRunMetrics(
  summary: RunSummary,
  gate: Gate | null,
  results: RunMetricResult[],
): RunSummary {
  const specs = gate?.runMetrics
  if (!specs || !summary.gate) return { ...summary, runMetrics: results }
  const checks = [...summary.gate.checks, ...runMetricChecks(specs, results)]
  const withChecks = {
    ...summary,
    runMetrics: results,
    gate: { passed: checks.every((c) => c.passed), checks },
  }
  // The verdict reads the gate's checks: decide it again (pending; the caller sets the status).
  return withVerdict(withChecks, { status: 'running', errorDescription: null })
}
