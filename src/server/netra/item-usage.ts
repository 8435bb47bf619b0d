/**
 * Netra run items get their latency, tokens and cost from the OTLP spans of their trace (the SDK
 * sends none: reference §1.3, §7.3 rule 8). Called when spans arrive and when an item is posted,
 * each after its own commit, so whichever commits second sees the other: an item and its spans
 * arriving at once on two servers are still joined.
 */
import type { Store } from '../../store/open.js'
import * as netraRepo from '../../store/repos/netra.js'
import * as itemRepo from '../../store/repos/run-items.js'
import * as runRepo from '../../store/repos/runs.js'
import * as spanRepo from '../../store/repos/spans.js'
import type { RunItemsTable } from '../../store/schema.js'
import { type SpanUsage, usageOfItem } from '../service/span-usage.js'
import { nowIso, parseJson } from '../service/util.js'
import { NO_SPAN_ID, NO_TRACE_ID } from './mappers.js'

/** Trace ids per lookup query. */
const TRACES_PER_QUERY = 500

/** Fills the project's Netra items in these traces from the spans stored so far. */
export async function fillItemUsage(
  store: Store,
  projectId: string,
  traceIds: readonly string[],
): Promise<void> {
  const wanted = [...new Set(traceIds)].filter((id) => id !== NO_TRACE_ID)
  for (let i = 0; i < wanted.length; i += TRACES_PER_QUERY) {
    const items = await netraRepo.listNetraItemsOfTraces(
      store.db,
      projectId,
      wanted.slice(i, i + TRACES_PER_QUERY),
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
    for (const [runId, runItems] of byRun) await fillRun(store, projectId, runId, runItems)
  }
}

/**
 * Under the run's lock, so two fills of one item (two span batches at once) apply in order, and
 * the later one reads every span the earlier one did.
 */
async function fillRun(
  store: Store,
  projectId: string,
  runId: string,
  items: readonly netraRepo.NetraTraceItem[],
): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    if (!(await runRepo.lockRun(trx, runId, projectId))) return
    const current = await itemRepo.listItemUsage(
      trx,
      runId,
      items.map((i) => i.ordinal),
    )
    const byOrdinal = new Map(current.map((row) => [row.ordinal, row]))
    const spansOf = new Map<string, ReturnType<typeof toUsageSpans>>()
    const now = nowIso()
    let changed = false
    for (const item of items) {
      const row = byOrdinal.get(item.ordinal)
      if (!row) continue
      let spans = spansOf.get(item.trace_id)
      if (!spans) {
        spans = toUsageSpans(await spanRepo.listTraceSpans(trx, projectId, item.trace_id))
        spansOf.set(item.trace_id, spans)
      }
      const patch = usagePatch(row, usageOfItem(spans, item.span_id === NO_SPAN_ID ? null : item.span_id))
      if (!patch) continue
      await itemRepo.updateRunItemUsage(trx, runId, item.ordinal, { ...patch, updated_at: now })
      changed = true
    }
    // the summary (latency, tokens, cost, run metrics over them) is computed again on its next read
    if (changed) await runRepo.updateRun(trx, runId, { summary_stale: 1, updated_at: now })
  })
}

/** The columns the spans change (those they know of and that differ), or null. */
function usagePatch(
  row: Pick<RunItemsTable, 'latency_ms' | 'input_tokens' | 'output_tokens' | 'cost_usd'>,
  usage: SpanUsage,
): Partial<RunItemsTable> | null {
  const patch: Partial<RunItemsTable> = {}
  if (usage.latencyMs !== null && usage.latencyMs !== row.latency_ms) patch.latency_ms = usage.latencyMs
  if (usage.inputTokens !== null && usage.inputTokens !== row.input_tokens)
    patch.input_tokens = usage.inputTokens
  if (usage.outputTokens !== null && usage.outputTokens !== row.output_tokens)
    patch.output_tokens = usage.outputTokens
  if (usage.costUsd !== null && usage.costUsd !== row.cost_usd) patch.cost_usd = usage.costUsd
  return Object.keys(patch).length > 0 ? patch : null
}

function toUsageSpans(rows: Awaited<ReturnType<typeof spanRepo.listTraceSpans>>) {
  return rows.map((r) => ({
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    durationMs: r.duration_ms,
    attributes: parseJson(r.attributes) as Record<string, unknown>,
  }))
}
