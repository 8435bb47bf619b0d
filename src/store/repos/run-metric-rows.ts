import type { Executor } from '../bulk.js'

/** The item and score columns run-level metrics read (only loaded when a suite declares some). */
export async function loadRunMetricRows(db: Executor, runId: string) {
  const items = await db
    .selectFrom('run_items')
    .select(['ordinal', 'status', 'output', 'expected', 'metadata', 'latency_ms', 'cost_usd'])
    .where('run_id', '=', runId)
    .orderBy('ordinal')
    .execute()
  const scores = await db
    .selectFrom('scores')
    .select(['ordinal', 'metric', 'score', 'metadata'])
    .where('run_id', '=', runId)
    .execute()
  return { items, scores }
}
