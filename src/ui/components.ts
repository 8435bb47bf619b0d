/** Small building blocks shared by the pages: verdict badges, tables, charts, value views. */
import type { Run, RunItem } from './api.js'
import { type Child, h, svg } from './dom.js'
import { jsonText, num, pct } from './format.js'

export type Verdict = 'passed' | 'failed' | 'pending' | 'none'

/**
 * The run's verdict as the server reports it (summary.passStatus, from the star metric and the
 * gate); `none` when the suite has neither.
 */
export function verdictOf(run: Run): Verdict {
  if (run.evaluationStatus === 'pending' || run.evaluationStatus === 'running') return 'pending'
  if (run.summary.passStatus === true) return 'passed'
  if (run.summary.passStatus === false) return 'failed'
  return 'none'
}

const VERDICT_TEXT: Record<Verdict, string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  pending: 'PENDING',
  none: 'NO GATE',
}

export function verdictBadge(run: Run): HTMLElement {
  const v = verdictOf(run)
  return h(
    'span',
    { class: `badge ${v}`, 'data-verdict': v, title: run.summary.passRule ?? '' },
    VERDICT_TEXT[v],
  )
}

export function passMark(passed: boolean | null | undefined): HTMLElement {
  if (passed === null || passed === undefined) return h('span', { class: 'mark none' }, '–')
  return passed ? h('span', { class: 'mark ok' }, '✓ pass') : h('span', { class: 'mark bad' }, '✗ fail')
}

export function itemStatus(item: RunItem): HTMLElement {
  if (item.status !== 'completed') return h('span', { class: 'mark err' }, `⚠ ${item.status}`)
  return passMark(item.passed)
}

export function table(head: readonly Child[], rows: readonly Child[][], attrs: Record<string, string> = {}) {
  return h(
    'table',
    attrs,
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        head.map((c) => h('th', null, c)),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((r) =>
        h(
          'tr',
          null,
          r.map((c) => h('td', null, c)),
        ),
      ),
    ),
  )
}

export function stat(label: string, value: Child): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, value),
  )
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', null, h('h2', null, title), ...children)
}

/** A JSON value (or text) as preformatted text; chat transcripts as bubbles. */
export function valueView(value: unknown, label: string): HTMLElement {
  const chat = asChat(value)
  if (chat) {
    return h(
      'div',
      { class: 'chat', 'aria-label': label },
      chat.map((m) =>
        h(
          'div',
          { class: `bubble role-${m.role.replace(/[^a-z]/g, '') || 'other'}` },
          h('div', { class: 'role' }, m.role),
          h('pre', null, jsonText(m.content)),
        ),
      ),
    )
  }
  if (value === undefined) return h('p', { class: 'muted' }, 'none')
  return h('pre', { class: 'value', 'aria-label': label }, jsonText(value))
}

function asChat(value: unknown): { role: string; content: unknown }[] | null {
  const list = Array.isArray(value)
    ? value
    : value && typeof value === 'object' && Array.isArray((value as { messages?: unknown }).messages)
      ? (value as { messages: unknown[] }).messages
      : null
  if (!list || list.length === 0) return null
  const ok = list.every(
    (m) => m && typeof m === 'object' && typeof (m as { role?: unknown }).role === 'string' && 'content' in m,
  )
  return ok ? (list as { role: string; content: unknown }[]) : null
}

/** Sparkline of a series (oldest first); null points are gaps. */
export function sparkline(
  values: readonly (number | null)[],
  label: string,
  width = 120,
  height = 28,
): SVGElement {
  const pts = values.map((v, i) => ({ v, i })).filter((p): p is { v: number; i: number } => p.v !== null)
  const el = svg('svg', {
    class: 'spark',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
  })
  if (pts.length === 0) return el
  const lo = Math.min(...pts.map((p) => p.v))
  const hi = Math.max(...pts.map((p) => p.v))
  const x = (i: number) => (values.length === 1 ? width / 2 : 2 + (i / (values.length - 1)) * (width - 4))
  const y = (v: number) => (hi === lo ? height / 2 : height - 3 - ((v - lo) / (hi - lo)) * (height - 6))
  el.appendChild(
    svg('polyline', {
      points: pts.map((p) => `${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '),
      class: 'line',
    }),
  )
  const last = pts[pts.length - 1]!
  el.appendChild(svg('circle', { cx: x(last.i).toFixed(1), cy: y(last.v).toFixed(1), r: 2.5, class: 'dot' }))
  el.appendChild(svg('title', null, label))
  return el
}

export interface Series {
  name: string
  values: readonly (number | null)[]
  className: string
}

/** Line chart of 0..1 series over runs (oldest first), with axis labels and points with tooltips. */
export function trendChart(series: readonly Series[], labels: readonly string[], title: string): HTMLElement {
  const width = 720
  const height = 200
  const pad = { l: 40, r: 12, t: 10, b: 24 }
  const n = labels.length
  const x = (i: number) =>
    n <= 1 ? (pad.l + width - pad.r) / 2 : pad.l + (i / (n - 1)) * (width - pad.l - pad.r)
  const y = (v: number) => pad.t + (1 - Math.max(0, Math.min(1, v))) * (height - pad.t - pad.b)
  const chart = svg('svg', {
    class: 'trend',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': title,
  })
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    chart.appendChild(svg('line', { x1: pad.l, x2: width - pad.r, y1: y(t), y2: y(t), class: 'grid' }))
    chart.appendChild(
      svg('text', { x: pad.l - 6, y: y(t) + 4, class: 'axis', 'text-anchor': 'end' }, pct(t, 0)),
    )
  }
  for (const s of series) {
    const pts = s.values.map((v, i) => ({ v, i })).filter((p): p is { v: number; i: number } => p.v !== null)
    if (pts.length > 1)
      chart.appendChild(
        svg('polyline', {
          points: pts.map((p) => `${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '),
          class: `line ${s.className}`,
        }),
      )
    for (const p of pts)
      chart.appendChild(
        svg(
          'circle',
          { cx: x(p.i).toFixed(1), cy: y(p.v).toFixed(1), r: 3, class: `dot ${s.className}` },
          svg('title', null, `${s.name}: ${num(p.v)} (${labels[p.i] ?? ''})`),
        ),
      )
  }
  const legend = h(
    'div',
    { class: 'legend' },
    series.map((s) => h('span', { class: `key ${s.className}` }, s.name)),
  )
  return h('figure', { class: 'chart' }, chart, legend)
}
