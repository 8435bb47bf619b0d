import { computeRunMetrics, type RunMetricRow } from '../../gate/run-metrics.js'
import type { RunMetricResult, RunMetricSpec } from '../../schema/run-metrics.js'
import type { Executor } from '../../store/bulk.js'
import { loadRunMetricRows } from '../../store/repos/run-metric-rows.js'

/** The run's declared run metrics, computed over all of its items (every shard's). */
export async function runMetricsOf(
  db: Executor,
  runId: string,
  specs: Readonly<Record<string, RunMetricSpec>>,
): Promise<RunMetricResult[]> {
  const { items, scores } = await loadRunMetricRows(db, runId)
  const byOrdinal = new Map<number, RunMetricRow>()
  for (const item of items) {
    byOrdinal.set(item.ordinal, {
      status: item.status,
      output: parse(item.output),
      expected: parse(item.expected),
      metadata: parse(item.metadata),
      latencyMs: item.latency_ms,
      costUsd: item.cost_usd,
      scores: {},
    })
  }
  for (const score of scores) {
    const row = byOrdinal.get(score.ordinal)
    if (row) row.scores[score.metric] = { score: score.score, metadata: parse(score.metadata) }
  }
  return computeRunMetrics(specs, [...byOrdinal.values()])
}

function parse(text: string | null): unknown {
  if (text === null) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
