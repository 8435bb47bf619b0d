import type { Span } from '../../schema/spans.js'
import type { SqlValue } from '../../store/bulk.js'
import type { Store } from '../../store/open.js'
import * as itemRepo from '../../store/repos/run-items.js'
import * as repo from '../../store/repos/runs.js'
import * as spanRepo from '../../store/repos/spans.js'
import type { SpansTable } from '../../store/schema.js'
import type { DecodedSpan } from '../otlp/decode.js'
import { NotFoundError } from './errors.js'
import { subtreeOf } from './span-tree.js'
import { nowIso, parseJson } from './util.js'

/** Called with the traces an ingest stored spans of. */
export type SpansIngested = (projectId: string, traceIds: readonly string[]) => Promise<void>

/** Spans received over OTLP: stored per project, found by span id, and read per run item. */
export class SpanService {
  private readonly ingestedListeners = new Set<SpansIngested>()

  constructor(private readonly store: Store) {}

  /**
   * Stores `spans` in one transaction; spans the project already has are kept as they were. Then,
   * after the commit, tells the `onIngested` listeners which traces got spans: their failure fails
   * the request, and the exporter's retry (its spans already kept) runs them again.
   */
  async ingest(projectId: string, spans: readonly DecodedSpan[]): Promise<void> {
    if (spans.length === 0) return
    const now = nowIso()
    const rows = spans.map((s) => spanRow(projectId, s, now))
    await this.store.db.transaction().execute((trx) => spanRepo.insertSpanRows(trx, this.store, rows))
    if (this.ingestedListeners.size === 0) return
    const traceIds = [...new Set(spans.map((s) => s.traceId))]
    for (const listener of this.ingestedListeners) await listener(projectId, traceIds)
  }

  /** Calls `listener` after each ingest; returns the function that stops it. */
  onIngested(listener: SpansIngested): () => void {
    this.ingestedListeners.add(listener)
    return () => {
      this.ingestedListeners.delete(listener)
    }
  }

  /** The project's span with this id, or null when it has not arrived (yet). */
  async find(projectId: string, spanId: string): Promise<Span | null> {
    const row = await spanRepo.findSpanBySpanId(this.store.db, projectId, spanId)
    return row ? toSpan(row) : null
  }

  /** The spans of a run item (see RunItemSpansSchema for which ones), sorted by start time. */
  async forRunItem(projectId: string, runId: string, ordinal: number) {
    const { db } = this.store
    const run = await repo.findRun(db, projectId, runId)
    if (!run) throw new NotFoundError('run', runId)
    const item = await itemRepo.findRunItemByOrdinal(db, run.id, ordinal)
    if (!item) throw new NotFoundError(`run ${runId} item`, ordinal)
    const rows = await spanRepo.listTraceSpans(db, projectId, item.trace_id)
    const spans = subtree(rows.map(toSpan), item.span_id).sort(byStart)
    return { traceId: item.trace_id, spanId: item.span_id, spans }
  }
}

function spanRow(projectId: string, s: DecodedSpan, now: string): SqlValue[] {
  return [
    projectId,
    s.traceId,
    s.spanId,
    s.parentSpanId,
    s.name,
    s.kind,
    s.startTimeUnixNano,
    s.endTimeUnixNano,
    durationMs(s.startTimeUnixNano, s.endTimeUnixNano),
    s.status.code,
    s.status.message,
    JSON.stringify(s.attributes),
    JSON.stringify(s.events),
    JSON.stringify(s.resource),
    typeof s.resource['service.name'] === 'string' ? s.resource['service.name'] : null,
    s.scope.name,
    s.scope.version,
    now,
  ]
}

/** end − start in milliseconds, exact to the nanosecond before the division; never negative. */
export function durationMs(startNs: string, endNs: string): number {
  const d = BigInt(endNs) - BigInt(startNs)
  return d > 0n ? Number(d) / 1e6 : 0
}

function toSpan(r: SpansTable): Span {
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    name: r.name,
    kind: r.kind as Span['kind'],
    startTimeUnixNano: r.start_ns,
    endTimeUnixNano: r.end_ns,
    durationMs: r.duration_ms,
    status: { code: r.status_code as Span['status']['code'], message: r.status_message },
    attributes: parseJson(r.attributes),
    events: parseJson(r.events),
    resource: parseJson(r.resource),
    serviceName: r.service_name,
    scope: { name: r.scope_name, version: r.scope_version },
  }
}

function byStart(a: Span, b: Span): number {
  const d = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)
  return d < 0n ? -1 : d > 0n ? 1 : 0
}

/**
 * The span `rootId` and its descendants, when any of them is present; else every span (the item's
 * span is unknown to this trace, so the whole trace is the best answer).
 */
function subtree(spans: Span[], rootId: string): Span[] {
  const out = subtreeOf(spans, rootId)
  return out.length > 0 ? out : spans
}
