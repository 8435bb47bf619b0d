/**
 * What a run item's spans say about its latency, tokens and cost (backend-api.md §7.3 rule 8:
 * neither the Netra nor the Gradient client sends them, so the server fills them from the OTLP
 * spans of the item's trace). Pure: the caller reads the spans and writes the item.
 */

import { MAX_INT32 } from '../../schema/common.js'
import { subtreeOf, type TreeSpan } from './span-tree.js'

/** The span fields this module reads (a stored span row has them). */
export interface UsageSpan extends TreeSpan {
  durationMs: number
  attributes: Readonly<Record<string, unknown>>
}

export interface SpanUsage {
  /** Duration of the item's own span; null until that span has arrived (or cannot be told). */
  latencyMs: number | null
  inputTokens: number | null
  outputTokens: number | null
  costUsd: number | null
}

/**
 * Token attributes, newest convention first: OpenTelemetry GenAI (`gen_ai.usage.input_tokens`),
 * its earlier names that OpenLLMetry/Traceloop-based SDKs (Netra's among them) still write, and
 * OpenInference's. A span's first present key of each list counts.
 */
const INPUT_TOKEN_KEYS = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.usage.prompt_tokens',
  'llm.token_count.prompt',
]
const OUTPUT_TOKEN_KEYS = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.usage.completion_tokens',
  'llm.token_count.completion',
]
/** Cost in US dollars, as OpenLIT and Langfuse's OTel integration write it (no OTel convention yet). */
const COST_KEYS = ['gen_ai.usage.cost']

/**
 * The usage of the item whose span is `itemSpanId` (null when its client did not say: the
 * item's trace is its own, and its span is the trace's root):
 * - the spans counted are the item span's subtree; its descendants usually arrive before it (their
 *   exporter ends them first) and count as soon as they are here;
 * - latency is the item span's duration (for an unknown span id, the trace root's);
 * - tokens and cost are summed over the spans that carry them and have no descendant that does,
 *   so a framework span that repeats its model calls' totals is not counted twice.
 */
export function usageOfItem(spans: readonly UsageSpan[], itemSpanId: string | null): SpanUsage {
  let rootId = itemSpanId
  if (rootId === null) {
    const roots = spans.filter((s) => s.parentSpanId === null)
    // Only a true root stands for the item: spans whose parent has not arrived yet do not.
    if (roots.length !== 1) return { latencyMs: null, inputTokens: null, outputTokens: null, costUsd: null }
    rootId = roots[0]!.spanId
  }
  const tree = subtreeOf(spans, rootId)
  const root = tree[0]?.spanId === rootId ? tree[0] : undefined
  // Each span after its descendants: a span's usage counts only when none below it carries any.
  const carriesBelow = new Set<string>()
  const total = { inputTokens: 0, outputTokens: 0, costUsd: 0 }
  const found = { inputTokens: false, outputTokens: false, costUsd: false }
  for (let i = tree.length - 1; i >= 0; i--) {
    const span = tree[i]!
    let carries = carriesBelow.has(span.spanId)
    if (!carries) {
      const input = firstNumber(span.attributes, INPUT_TOKEN_KEYS, true)
      const output = firstNumber(span.attributes, OUTPUT_TOKEN_KEYS, true)
      const cost = firstNumber(span.attributes, COST_KEYS, false)
      if (input !== null) {
        total.inputTokens += input
        found.inputTokens = true
      }
      if (output !== null) {
        total.outputTokens += output
        found.outputTokens = true
      }
      if (cost !== null) {
        total.costUsd += cost
        found.costUsd = true
      }
      carries = input !== null || output !== null || cost !== null
    }
    if (carries && span.parentSpanId !== null) carriesBelow.add(span.parentSpanId)
  }
  return {
    latencyMs: root ? root.durationMs : null,
    // a run item stores token counts as 32-bit integers, as a client's `usage` is checked
    inputTokens: found.inputTokens && total.inputTokens <= MAX_INT32 ? total.inputTokens : null,
    outputTokens: found.outputTokens && total.outputTokens <= MAX_INT32 ? total.outputTokens : null,
    costUsd: found.costUsd ? total.costUsd : null,
  }
}

/**
 * The first of `keys` whose value is a finite number ≥ 0 (an integer for `integer`). OTLP ints
 * above 2^53 arrive as strings, and other non-numbers are skipped.
 */
function firstNumber(
  attributes: Readonly<Record<string, unknown>>,
  keys: readonly string[],
  integer: boolean,
): number | null {
  for (const key of keys) {
    const value = attributes[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue
    if (integer && !Number.isInteger(value)) continue
    return value
  }
  return null
}
