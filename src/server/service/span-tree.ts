/** What walking a trace's span tree needs of a span. */
export interface TreeSpan {
  spanId: string
  parentSpanId: string | null
}

/**
 * The span `rootId` (when it has arrived) and its descendants reachable through spans that have,
 * parents before their children. Iterative, as a trace may be deep; a parent cycle ends.
 */
export function subtreeOf<T extends TreeSpan>(spans: readonly T[], rootId: string): T[] {
  const children = new Map<string, T[]>()
  for (const span of spans) {
    if (span.parentSpanId === null) continue
    const siblings = children.get(span.parentSpanId)
    if (siblings) siblings.push(span)
    else children.set(span.parentSpanId, [span])
  }
  const out: T[] = spans.filter((s) => s.spanId === rootId)
  const seen = new Set([rootId])
  const queue = [rootId]
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i]!) ?? []) {
      if (seen.has(child.spanId)) continue
      seen.add(child.spanId)
      out.push(child)
      queue.push(child.spanId)
    }
  }
  return out
}
