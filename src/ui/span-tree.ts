/**
 * The item page's trace: the spans of a run item as a tree (children under their parent, by start
 * time), each with its offset and duration drawn on a shared timeline and its GenAI attributes
 * (model, tokens, tool). Span names and attribute values come from the traced program (model
 * output included): they only ever become text nodes and attribute values (src/ui/dom.ts).
 */
import type { Span } from '../schema/spans.js'
import { h, svg } from './dom.js'
import { jsonText, ms } from './format.js'

const TIMELINE_WIDTH = 1000

interface Row {
  span: Span
  depth: number
}

/** Depth-first order: each span after its parent, siblings by start time (the list is sorted). */
function treeRows(spans: readonly Span[]): Row[] {
  const ids = new Set(spans.map((s) => s.spanId))
  const children = new Map<string, Span[]>()
  const roots: Span[] = []
  for (const s of spans) {
    if (s.parentSpanId !== null && ids.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId)
      if (list) list.push(s)
      else children.set(s.parentSpanId, [s])
    } else roots.push(s)
  }
  const rows: Row[] = []
  const stack: Row[] = roots.map((span) => ({ span, depth: 0 })).reverse()
  const seen = new Set<string>()
  while (stack.length > 0) {
    const row = stack.pop()!
    if (seen.has(row.span.spanId)) continue
    seen.add(row.span.spanId)
    rows.push(row)
    const kids = children.get(row.span.spanId) ?? []
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i]!, depth: row.depth + 1 })
  }
  return rows
}

function attr(span: Span, key: string): string | undefined {
  const v = span.attributes[key]
  return v === undefined || v === null ? undefined : typeof v === 'string' ? v : jsonText(v)
}

/** GenAI semantic-convention attributes worth a glance: model, tokens, tool. */
function genAi(span: Span): HTMLElement | null {
  const requested = attr(span, 'gen_ai.request.model')
  const responded = attr(span, 'gen_ai.response.model')
  const input = attr(span, 'gen_ai.usage.input_tokens')
  const output = attr(span, 'gen_ai.usage.output_tokens')
  const tool = attr(span, 'gen_ai.tool.name')
  const parts: HTMLElement[] = []
  if (requested !== undefined || responded !== undefined) {
    const model =
      requested !== undefined && responded !== undefined && requested !== responded
        ? `${requested} → ${responded}`
        : (requested ?? responded)
    parts.push(h('span', { class: 'tag', 'data-genai': 'model' }, `model ${model}`))
  }
  if (input !== undefined || output !== undefined)
    parts.push(
      h('span', { class: 'tag', 'data-genai': 'tokens' }, `tokens ${input ?? '–'} / ${output ?? '–'}`),
    )
  if (tool !== undefined) parts.push(h('span', { class: 'tag', 'data-genai': 'tool' }, `tool ${tool}`))
  return parts.length > 0 ? h('span', { class: 'genai' }, parts) : null
}

/** One bar on the trace's timeline (an SVG: no inline style, which the CSP forbids). */
function bar(span: Span, traceStart: bigint, traceNs: bigint): SVGElement {
  const scale = (ns: bigint) => Number((ns * BigInt(TIMELINE_WIDTH)) / traceNs)
  const x = Math.min(TIMELINE_WIDTH - 1, scale(BigInt(span.startTimeUnixNano) - traceStart))
  const width = Math.max(
    1,
    Math.min(TIMELINE_WIDTH - x, scale(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano))),
  )
  const offsetMs = Number(BigInt(span.startTimeUnixNano) - traceStart) / 1e6
  return svg(
    'svg',
    {
      class: 'span-timeline',
      viewBox: `0 0 ${TIMELINE_WIDTH} 10`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `starts at +${ms(offsetMs)}, lasts ${ms(span.durationMs)}`,
    },
    svg('rect', { x, y: 1, width, height: 8, class: `span-bar status-${span.status.code}` }),
    svg('title', null, `+${ms(offsetMs)} · ${ms(span.durationMs)}`),
  )
}

/** One line over the tree: span count, model calls, their token totals, the tools called. */
function totals(spans: readonly Span[]): HTMLElement {
  let calls = 0
  let input = 0
  let output = 0
  const tools = new Set<string>()
  for (const s of spans) {
    const a = s.attributes
    if (a['gen_ai.request.model'] !== undefined || a['gen_ai.response.model'] !== undefined) calls++
    if (typeof a['gen_ai.usage.input_tokens'] === 'number') input += a['gen_ai.usage.input_tokens']
    if (typeof a['gen_ai.usage.output_tokens'] === 'number') output += a['gen_ai.usage.output_tokens']
    const tool = attr(s, 'gen_ai.tool.name')
    if (tool !== undefined) tools.add(tool)
  }
  const parts = [`${spans.length} span${spans.length === 1 ? '' : 's'}`]
  if (calls > 0) parts.push(`${calls} model call${calls === 1 ? '' : 's'}`, `tokens ${input} / ${output}`)
  if (tools.size > 0) parts.push(`tools: ${[...tools].join(', ')}`)
  return h('p', { class: 'muted', 'data-spans-summary': '' }, parts.join(' · '))
}

export function spanTree(spans: readonly Span[]): HTMLElement {
  let start = BigInt(spans[0]!.startTimeUnixNano)
  let end = BigInt(spans[0]!.endTimeUnixNano)
  for (const s of spans) {
    const a = BigInt(s.startTimeUnixNano)
    const b = BigInt(s.endTimeUnixNano)
    if (a < start) start = a
    if (b > end) end = b
  }
  const total = end - start > 0n ? end - start : 1n
  const rows = treeRows(spans).map(({ span, depth }) =>
    h(
      'tr',
      {
        'data-span-id': span.spanId,
        'data-depth': depth,
        class: span.status.code === 'error' ? 'span-error' : null,
      },
      h(
        'td',
        { class: 'span-name' },
        Array.from({ length: depth }, () => h('span', { class: 'indent' })),
        h('span', { class: 'mono' }, span.name),
        span.kind !== 'internal' && span.kind !== 'unspecified'
          ? h('span', { class: 'muted small' }, ` ${span.kind}`)
          : null,
        span.status.code === 'error'
          ? h('div', { class: 'err small' }, `error${span.status.message ? `: ${span.status.message}` : ''}`)
          : null,
      ),
      h('td', { class: 'span-when' }, bar(span, start, total)),
      h('td', { class: 'num' }, ms(span.durationMs)),
      h(
        'td',
        null,
        genAi(span),
        h(
          'details',
          null,
          h('summary', { class: 'muted small' }, 'attributes'),
          h(
            'pre',
            { class: 'small', 'aria-label': 'span attributes' },
            jsonText({
              attributes: span.attributes,
              ...(span.events.length > 0 ? { events: span.events } : {}),
              resource: span.resource,
              scope: span.scope,
            }),
          ),
        ),
      ),
    ),
  )
  const table = h(
    'table',
    { class: 'spans' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, 'span'),
        h('th', null, `timeline (${ms(Number(total) / 1e6)})`),
        h('th', null, 'duration'),
        h('th', null, 'GenAI'),
      ),
    ),
    h('tbody', null, rows),
  )
  return h('div', null, totals(spans), table)
}
