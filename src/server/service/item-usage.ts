/**
 * Writes what their spans say (span-usage.ts) onto run items whose client did not: Netra items
 * (latency, tokens, cost; their SDK sends none) when their spans or the item arrive, and native
 * items without usage (tokens, cost; the client measured the latency) when their run is finalized.
 * The caller holds the run's lock, so two fills of one item apply in order and the later one reads
 * every span the earlier one did.
 */
import { isValidSpanId } from '../../core/ids.js'
import { type Executor, inChunks } from '../../store/bulk.js'
import * as itemRepo from '../../store/repos/run-items.js'
import * as spanRepo from '../../store/repos/spans.js'
import type { RunItemsTable } from '../../store/schema.js'
import { type SpanUsage, type UsageSpan, usageOfItem } from './span-usage.js'
import { parseJson } from './util.js'

/** A run item and where its spans are. */
export interface TracedItem {
  ordinal: number
  trace_id: string
  span_id: string
}

/** Ids per `in (…)` query (trace ids, ordinals): far below both dialects' parameter limits. */
export const IDS_PER_QUERY = 500

/**
 * Sets the usage the spans stored so far give these items of one run: latency too for `latency`
 * (else the client's measure stays). Returns whether an item changed (its run's summary is then
 * stale). An all-zero span id (the client did not say) stands for the trace's root. The item's
 * `updated_at` stays: it versions what server-side scoring read (input, output), which spans do
 * not change, and a scoring job whose item moved on discards its scores.
 */
export async function applySpanUsage(
  db: Executor,
  projectId: string,
  runId: string,
  items: readonly TracedItem[],
  { latency }: { latency: boolean },
): Promise<boolean> {
  if (items.length === 0) return false
  const current = new Map(
    (
      await inChunks(
        items.map((i) => i.ordinal),
        IDS_PER_QUERY,
        (ordinals) => itemRepo.listItemUsage(db, runId, ordinals),
      )
    ).map((row) => [row.ordinal, row]),
  )
  const spansByTrace = new Map<string, UsageSpan[]>()
  const traces = [...new Set(items.map((i) => i.trace_id))]
  for (const row of await inChunks(traces, IDS_PER_QUERY, (ids) =>
    spanRepo.listSpansOfTraces(db, projectId, ids),
  )) {
    const span: UsageSpan = {
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      durationMs: row.duration_ms,
      attributes: parseJson<Record<string, unknown>>(row.attributes),
    }
    const list = spansByTrace.get(row.trace_id)
    if (list) list.push(span)
    else spansByTrace.set(row.trace_id, [span])
  }
  let changed = false
  for (const item of items) {
    const row = current.get(item.ordinal)
    const spans = spansByTrace.get(item.trace_id)
    if (!row || !spans) continue
    const usage = usageOfItem(spans, isValidSpanId(item.span_id) ? item.span_id : null)
    const patch = usagePatch(row, latency ? usage : { ...usage, latencyMs: null })
    if (!patch) continue
    await itemRepo.updateRunItemUsage(db, runId, item.ordinal, patch)
    changed = true
  }
  return changed
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
