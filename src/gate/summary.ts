/**
 * Run summary, star metric and gate checks: pure functions over an item/score projection of a
 * run. The pass/fail decision over them is `verdict.ts` (`decideVerdict`), nowhere else.
 */
import type { GateCheck, MetricSummary, RunStatus, RunSummary, StarResult } from '../schema/api.js'
import type { Gate, StarMetric } from '../schema/gate.js'
import type { MetricDef } from '../schema/metric.js'
import { fmt } from './format.js'
import { decideVerdict, starCheck } from './verdict.js'

export interface SummaryItem {
  status: 'completed' | 'failed' | 'timeout' | string
  passed: boolean
  /** Null when unknown (a Netra item whose spans have not arrived): left out of the latency figures. */
  latencyMs: number | null
  /** Epoch ms of the task start. */
  startedAtMs: number
  costUsd: number | null
  inputTokens: number | null
  outputTokens: number | null
}

export interface SummaryScore {
  metric: string
  score: number | null
  passed: boolean | null
  threshold: number | null
  inverted: boolean
  errored: boolean
}

export interface SummarySuite {
  metrics: MetricDef[]
  star: StarMetric | null
  gate: Gate | null
}

const EPS = 1e-12

function atLeast(actual: number, expected: number): boolean {
  return actual >= expected - EPS
}
function atMost(actual: number, expected: number): boolean {
  return actual <= expected + EPS
}

/** p-th percentile (nearest-rank) of ascending-sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

interface MetricAcc {
  name: string
  count: number
  nullCount: number
  errorCount: number
  sum: number
  min: number | null
  max: number | null
  passed: number
  judged: number
  values: number[]
  threshold: number | null
  inverted: boolean
}

function summariseMetrics(
  scores: readonly SummaryScore[],
  defs: readonly MetricDef[],
): Map<string, MetricAcc> {
  const acc = new Map<string, MetricAcc>()
  const make = (name: string, threshold: number | null, inverted: boolean): MetricAcc => ({
    name,
    count: 0,
    nullCount: 0,
    errorCount: 0,
    sum: 0,
    min: null,
    max: null,
    passed: 0,
    judged: 0,
    values: [],
    threshold,
    inverted,
  })
  for (const d of defs) if (!acc.has(d.name)) acc.set(d.name, make(d.name, d.threshold, d.inverted))
  for (const s of scores) {
    let m = acc.get(s.metric)
    if (!m) {
      m = make(s.metric, s.threshold, s.inverted)
      acc.set(s.metric, m)
    }
    if (s.errored) m.errorCount++
    if (s.score === null) {
      m.nullCount++
      continue
    }
    m.count++
    m.sum += s.score
    m.values.push(s.score)
    m.min = m.min === null ? s.score : Math.min(m.min, s.score)
    m.max = m.max === null ? s.score : Math.max(m.max, s.score)
    if (s.passed !== null) {
      m.judged++
      if (s.passed) m.passed++
    }
  }
  return acc
}

function toMetricSummary(m: MetricAcc): MetricSummary {
  return {
    name: m.name,
    count: m.count,
    nullCount: m.nullCount,
    errorCount: m.errorCount,
    mean: m.count > 0 ? m.sum / m.count : null,
    min: m.min,
    max: m.max,
    passRate: m.judged > 0 ? m.passed / m.judged : null,
    threshold: m.threshold,
    inverted: m.inverted,
  }
}

/**
 * The star metric rule of StarMetricSchema, exactly:
 * - `successThreshold` set: mean >= it (<= when inverted); rule `mean>=successThreshold`.
 * - `successThresholdPct` set: passRatePct = 100 × share of scored items whose score passes the
 *   item threshold (`successThreshold` when set, else the metric's own threshold; inverted flips
 *   the comparison) must be >= pct; rule `passRatePct>=successThresholdPct`. For
 *   percentage-valued metrics without `successThreshold`, mean × 100 is compared with pct
 *   (rule `mean*100>=successThresholdPct`). Without any item threshold there is nothing to count,
 *   so mean × 100 is compared too (same rule name).
 * - both set: both must hold (rules joined with `&`).
 * - neither: mean >= the metric's own threshold (rule `mean>=threshold`); with no threshold at all
 *   the star fails (rule `no-threshold`).
 * - no scored items: fails (value null).
 */
export function evaluateStar(
  star: StarMetric,
  metric: MetricSummary,
  values: readonly number[],
  valueType?: string,
): StarResult {
  const inv = metric.inverted
  const cmp = inv ? atMost : atLeast
  const sym = inv ? '<=' : '>='
  const mean = metric.mean
  const st = star.successThreshold ?? null
  const pct = star.successThresholdPct ?? null
  const itemThreshold = st ?? metric.threshold
  let passRatePct: number | null = null
  if (values.length > 0 && itemThreshold !== null) {
    let n = 0
    for (const v of values) if (cmp(v, itemThreshold)) n++
    passRatePct = (n / values.length) * 100
  }
  const rules: string[] = []
  let passed = mean !== null
  if (st !== null) {
    rules.push(`mean${sym}successThreshold`)
    passed = passed && mean !== null && cmp(mean, st)
  }
  if (pct !== null) {
    if ((valueType === 'percentage' && st === null) || itemThreshold === null) {
      rules.push(`mean*100${sym}successThresholdPct`)
      passed = passed && mean !== null && cmp(mean * 100, pct)
    } else {
      rules.push('passRatePct>=successThresholdPct')
      passed = passed && passRatePct !== null && atLeast(passRatePct, pct)
    }
  }
  if (st === null && pct === null) {
    if (metric.threshold === null) {
      rules.push('no-threshold')
      passed = false
    } else {
      rules.push(`mean${sym}threshold`)
      passed = passed && mean !== null && cmp(mean, metric.threshold)
    }
  }
  return {
    metric: star.metric,
    value: mean,
    passRatePct,
    successThreshold: st,
    successThresholdPct: pct,
    passed,
    rule: rules.join('&'),
  }
}

function check(
  condition: string,
  label: string,
  actual: number | null,
  op: '>=' | '<=',
  expected: number,
): GateCheck {
  const passed = actual !== null && (op === '>=' ? atLeast(actual, expected) : atMost(actual, expected))
  const shownOp = passed ? op : op === '>=' ? '<' : '>'
  const message =
    actual === null
      ? `${label} has no value (needs ${op} ${fmt(expected)})`
      : `${label} ${fmt(actual)} ${shownOp} ${fmt(expected)}`
  return { condition, actual, expected, op, passed, message }
}

export function evaluateGate(
  gate: Gate,
  totals: {
    passRate: number | null
    totalCostUsd: number
    meanLatencyMs: number | null
    p95LatencyMs: number | null
  },
  metrics: ReadonlyMap<string, MetricSummary>,
  star: StarResult | null,
): { passed: boolean; checks: GateCheck[] } {
  const checks: GateCheck[] = []
  if (gate.passRate !== undefined)
    checks.push(check('passRate', 'pass rate', totals.passRate, '>=', gate.passRate))
  for (const [name, mg] of Object.entries(gate.metrics ?? {})) {
    const m = metrics.get(name)
    const inverted = m?.inverted ?? false
    if (mg.mean !== undefined)
      checks.push(
        check(`metrics.${name}.mean`, `${name} mean`, m?.mean ?? null, inverted ? '<=' : '>=', mg.mean),
      )
    if (mg.min !== undefined)
      checks.push(
        inverted
          ? check(`metrics.${name}.min`, `${name} max`, m?.max ?? null, '<=', mg.min)
          : check(`metrics.${name}.min`, `${name} min`, m?.min ?? null, '>=', mg.min),
      )
    if (mg.passRate !== undefined)
      checks.push(
        check(`metrics.${name}.passRate`, `${name} pass rate`, m?.passRate ?? null, '>=', mg.passRate),
      )
  }
  if (gate.maxCostUsd !== undefined)
    checks.push(check('maxCostUsd', 'total cost USD', totals.totalCostUsd, '<=', gate.maxCostUsd))
  if (gate.maxMeanLatencyMs !== undefined)
    checks.push(
      check('maxMeanLatencyMs', 'mean latency ms', totals.meanLatencyMs, '<=', gate.maxMeanLatencyMs),
    )
  if (gate.maxP95LatencyMs !== undefined)
    checks.push(check('maxP95LatencyMs', 'p95 latency ms', totals.p95LatencyMs, '<=', gate.maxP95LatencyMs))
  if (star && gate.requireStar !== false) checks.push(starCheck(star))
  return { passed: checks.every((c) => c.passed), checks }
}

/**
 * The summary of a run's items. Its verdict is pending (the run's status is not known here): the
 * server sets it with `withVerdict` once the status is decided.
 */
export function computeSummary(
  items: readonly SummaryItem[],
  scores: readonly SummaryScore[],
  suite: SummarySuite,
): RunSummary {
  let errored = 0
  let passed = 0
  let cost = 0
  let inTok = 0
  let outTok = 0
  let latencySum = 0
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  const latencies: number[] = []
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!
    if (it.status !== 'completed') errored++
    else if (it.passed) passed++
    cost += it.costUsd ?? 0
    inTok += it.inputTokens ?? 0
    outTok += it.outputTokens ?? 0
    if (it.latencyMs !== null) {
      latencySum += it.latencyMs
      latencies.push(it.latencyMs)
    }
    if (Number.isFinite(it.startedAtMs)) {
      first = Math.min(first, it.startedAtMs)
      last = Math.max(last, it.startedAtMs + (it.latencyMs ?? 0))
    }
  }
  latencies.sort((a, b) => a - b)
  const total = items.length
  const acc = summariseMetrics(scores, suite.metrics)
  const metricSummaries = [...acc.values()].map(toMetricSummary)
  const byName = new Map(metricSummaries.map((m) => [m.name, m]))

  let star: StarResult | null = null
  if (suite.star) {
    const name = suite.star.metric
    const m = byName.get(name) ?? {
      name,
      count: 0,
      nullCount: 0,
      errorCount: 0,
      mean: null,
      min: null,
      max: null,
      passRate: null,
      threshold: null,
      inverted: false,
    }
    const def = suite.metrics.find((d) => d.name === name)
    star = evaluateStar(suite.star, m, acc.get(name)?.values ?? [], def?.valueType)
  }
  const totals = {
    passRate: total > 0 ? passed / total : null,
    totalCostUsd: cost,
    meanLatencyMs: latencies.length > 0 ? latencySum / latencies.length : null,
    p95LatencyMs: percentile(latencies, 95),
  }
  const gate = suite.gate ? evaluateGate(suite.gate, totals, byName, star) : null

  const summary: Omit<RunSummary, 'verdict' | 'passStatus' | 'passRule'> = {
    totalItems: total,
    completedItems: total - errored,
    erroredItems: errored,
    passedItems: passed,
    failedItems: total - errored - passed,
    passRate: totals.passRate,
    durationMs: total > 0 && Number.isFinite(first) ? Math.max(0, last - first) : null,
    totalCostUsd: cost,
    meanLatencyMs: totals.meanLatencyMs,
    p95LatencyMs: totals.p95LatencyMs,
    inputTokens: inTok,
    outputTokens: outTok,
    metrics: metricSummaries,
    star,
    gate,
  }
  return withVerdict(summary, { status: 'running', errorDescription: null })
}

/** The summary with the verdict for the run's (new) status; `passStatus`/`passRule` mirror it. */
export function withVerdict(
  summary: Omit<RunSummary, 'verdict' | 'passStatus' | 'passRule'>,
  run: { status: RunStatus; errorDescription: string | null },
): RunSummary {
  const verdict = decideVerdict({ ...run, summary })
  return { ...summary, passStatus: verdict.passed, passRule: verdict.rule, verdict }
}

/** Execution status at finalize, from the items: any errored item or evaluator error → partial. */
export function finalStatus(
  summary: Pick<RunSummary, 'totalItems' | 'erroredItems' | 'metrics'>,
): 'succeeded' | 'partially_succeeded' | 'failed' {
  if (summary.totalItems > 0 && summary.erroredItems === summary.totalItems) return 'failed'
  const scoreErrors = summary.metrics.some((m) => m.errorCount > 0)
  return summary.erroredItems > 0 || scoreErrors ? 'partially_succeeded' : 'succeeded'
}
