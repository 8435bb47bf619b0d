/**
 * `/runs/:id/items/:ordinal` and `/runs/:id/item?itemId=&trial=`: one run item with input,
 * expected, output, tool calls, every score with threshold, result and reason, usage and ids, and
 * the spans of its trace (received over OTLP) as a tree with timings.
 */
import { ApiError, api, type Run, type RunItem } from '../api.js'
import { itemStatus, passMark, section, stat, table, valueView } from '../components.js'
import { h } from '../dom.js'
import { excerpt, jsonText, ms, num, usd, when } from '../format.js'
import type { Page } from '../nav.js'
import { paths, type Route } from '../router.js'
import { spanTree } from '../span-tree.js'

async function loadItem(route: Route): Promise<RunItem> {
  const id = route.params.id!
  if (route.page === 'item') return api.item(id, Number(route.params.ordinal))
  const itemId = route.query.get('itemId') ?? ''
  const trial = Number(route.query.get('trial') ?? '0') || 0
  return api.itemByKey(id, itemId, trial)
}

const HISTORY_RUNS = 20

/** The same item (and trial) in the suite's latest runs, newest first; absent where a run lacks it. */
async function history(run: Run, item: RunItem) {
  const runs = await api.suiteRuns(run.suiteId, undefined, HISTORY_RUNS)
  const found = await Promise.all(
    runs.map((r) =>
      r.id === run.id
        ? Promise.resolve(item)
        : api.itemByKey(r.id, item.itemId, item.trial).catch((err: unknown) => {
            if (err instanceof ApiError && err.status === 404) return undefined
            throw err
          }),
    ),
  )
  const metrics = [...new Set(item.scores.map((s) => s.metric))]
  const rows = runs.map((r, i) => {
    const it = found[i]
    const current = r.id === run.id
    return [
      current
        ? h('strong', null, `${when(r.createdAt)} (this run)`)
        : h('a', { href: paths.itemByKey(r.id, item.itemId, item.trial) }, when(r.createdAt)),
      `v${r.suiteVersion}`,
      it ? itemStatus(it) : h('span', { class: 'muted' }, 'not in this run'),
      ...metrics.map((m) => {
        const s = it?.scores.find((x) => x.metric === m)
        return s ? (s.error ? 'error' : num(s.score)) : '–'
      }),
      it ? h('div', { class: 'cell-text' }, it.error ? it.error.message : excerpt(it.output, 120)) : '',
    ]
  })
  return table(['run', 'version', 'result', ...metrics, 'output'], rows, { class: 'history' })
}

export async function itemPage(route: Route): Promise<Page> {
  const [item, run] = await Promise.all([loadItem(route), api.run(route.params.id!)])
  const [itemHistory, trace] = await Promise.all([history(run, item), api.itemSpans(run.id, item.ordinal)])
  const scores = table(
    ['metric', 'score', 'threshold', 'result', 'reason', 'time'],
    item.scores.map((s) => [
      h('span', { class: 'mono' }, s.metric, s.inverted ? ' (lower is better)' : ''),
      s.error ? h('span', { class: 'err' }, 'error') : num(s.score),
      num(s.threshold),
      passMark(s.passed),
      h(
        'div',
        { class: 'reason-full' },
        s.reason ?? '',
        s.error ? h('div', { class: 'err' }, s.error) : null,
        s.metadata && Object.keys(s.metadata).length > 0
          ? h('pre', { class: 'small' }, jsonText(s.metadata))
          : null,
      ),
      ms(s.durationMs),
    ]),
    { class: 'scores' },
  )
  const nav = h(
    'div',
    { class: 'links' },
    item.ordinal > 1
      ? h('a', { href: paths.item(run.id, item.ordinal - 1), rel: 'prev' }, '← previous item')
      : null,
    h('a', { href: paths.run(run.id) }, 'all items'),
    item.ordinal < run.summary.totalItems
      ? h('a', { href: paths.item(run.id, item.ordinal + 1), rel: 'next' }, 'next item →')
      : null,
  )
  const body = h(
    'div',
    { 'data-page': 'item' },
    h(
      'h1',
      null,
      `Item ${item.itemId}`,
      item.trial > 0 ? ` · trial ${item.trial}` : '',
      ' ',
      itemStatus(item),
    ),
    nav,
    h(
      'div',
      { class: 'stats' },
      stat('latency', ms(item.latencyMs)),
      stat('tokens in / out', item.usage ? `${item.usage.inputTokens} / ${item.usage.outputTokens}` : '–'),
      stat('cost', usd(item.costUsd)),
      stat('started', when(item.startedAt)),
      stat('trace id', h('span', { class: 'mono small' }, item.traceId)),
      stat('span id', h('span', { class: 'mono small' }, item.spanId)),
    ),
    item.tags.length > 0
      ? h(
          'p',
          { class: 'tags' },
          item.tags.map((t) => h('span', { class: 'tag' }, t)),
        )
      : null,
    section('Scores', scores),
    h(
      'div',
      { class: 'io' },
      section('Input', valueView(item.input, 'input')),
      section('Expected', valueView(item.expected, 'expected')),
      section(
        'Output',
        item.error
          ? h(
              'div',
              { class: 'error-box' },
              h('strong', null, `${item.error.name}: ${item.error.message}`),
              item.error.stack ? h('pre', { class: 'small' }, item.error.stack) : null,
            )
          : null,
        valueView(item.output ?? undefined, 'output'),
      ),
    ),
    item.toolCalls && item.toolCalls.length > 0
      ? section(
          'Tool calls',
          table(
            ['tool', 'arguments', 'result'],
            item.toolCalls.map((c) => [
              h('span', { class: 'mono' }, c.name),
              h('pre', { class: 'small' }, jsonText(c.arguments)),
              h('pre', { class: 'small' }, jsonText(c.result)),
            ]),
          ),
        )
      : null,
    Object.keys(item.metadata).length > 0 ? section('Metadata', valueView(item.metadata, 'metadata')) : null,
    section(
      'Trace',
      trace.spans.length > 0
        ? spanTree(trace.spans)
        : h(
            'p',
            { class: 'muted', 'data-empty': 'spans' },
            `No spans received for trace ${item.traceId}. Export OpenTelemetry spans to this server's /v1/traces to see them here (README: "Traces").`,
          ),
    ),
    section(`History in the last ${HISTORY_RUNS} runs of ${run.suiteName}`, itemHistory),
  )
  return {
    title: `${run.suiteName} · item ${item.itemId}`,
    crumbs: [
      { label: 'Suites', href: '/' },
      { label: run.suiteName, href: paths.suite(run.suiteId) },
      { label: run.name, href: paths.run(run.id) },
      { label: `#${item.ordinal}` },
    ],
    body,
  }
}
