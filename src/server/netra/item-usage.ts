/**
 * Netra run items get their latency, tokens and cost from the OTLP spans of their trace (the SDK
 * sends none: reference §1.3, §7.3 rule 8). Called when spans arrive and when an item is posted,
 * each after its own commit, so whichever commits second sees the other: an item and its spans
 * arriving at once on two servers are still joined.
 */
import { inChunks } from '../../store/bulk.js'
import type { Store } from '../../store/open.js'
import * as netraRepo from '../../store/repos/netra.js'
import * as runRepo from '../../store/repos/runs.js'
import { applySpanUsage, IDS_PER_QUERY } from '../service/item-usage.js'
import { nowIso } from '../service/util.js'
import { NO_SPAN_ID, NO_TRACE_ID } from './mappers.js'

/** Fills the project's Netra items in these traces from the spans stored so far. */
export async function fillItemUsage(
  store: Store,
  projectId: string,
  traceIds: readonly string[],
): Promise<void> {
  const wanted = [...new Set(traceIds)].filter((id) => id !== NO_TRACE_ID)
  const items = await inChunks(wanted, IDS_PER_QUERY, (ids) =>
    netraRepo.listNetraItemsOfTraces(store.db, projectId, ids),
  )
  const itemsPerTrace = new Map<string, number>()
  for (const item of items) itemsPerTrace.set(item.trace_id, (itemsPerTrace.get(item.trace_id) ?? 0) + 1)
  const byRun = new Map<string, netraRepo.NetraTraceItem[]>()
  for (const item of items) {
    // Without its span id (the Python SDK sends none) an item stands for its whole trace, which
    // is only right when no other item shares that trace.
    if (item.span_id === NO_SPAN_ID && itemsPerTrace.get(item.trace_id)! > 1) continue
    const list = byRun.get(item.run_id)
    if (list) list.push(item)
    else byRun.set(item.run_id, [item])
  }
  for (const [runId, runItems] of byRun) {
    await store.db.transaction().execute(async (trx) => {
      if (!(await runRepo.lockRun(trx, runId, projectId))) return
      // the summary (latency, tokens, cost, run metrics over them) is computed again on its next read
      if (await applySpanUsage(trx, projectId, runId, runItems, { latency: true }))
        await runRepo.updateRun(trx, runId, { summary_stale: 1, updated_at: nowIso() })
    })
  }
}
