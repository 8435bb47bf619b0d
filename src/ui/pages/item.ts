/**
 * `/runs/:id/items/:ordinal` and `/runs/:id/item?itemId=&trial=`: one run item with input,
 * expected, output, tool calls, every score with threshold, result and reason, usage and ids.
 */
import { api, type RunItem } from '../api.js'
import { itemStatus, passMark, section, stat, table, valueView } from '../components.js'
import { h } from '../dom.js'
import { jsonText, ms, num, usd, when } from '../format.js'
import type { Page } from '../nav.js'
import { paths, type Route } from '../router.js'

async function loadItem(route: Route): Promise<RunItem> {
  const id = route.params.id!
  if (route.page === 'item') return api.item(id, Number(route.params.ordinal))
  const itemId = route.query.get('itemId') ?? ''
  const trial = Number(route.query.get('trial') ?? '0') || 0
  return api.itemByKey(id, itemId, trial)
}

export async function itemPage(route: Route): Promise<Page> {
  const [item, run] = await Promise.all([loadItem(route), api.run(route.params.id!)])
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
