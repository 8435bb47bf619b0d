/**
 * `/groups/:group?diff=1`: the runs of one run group (one `vitest run`) side by side — variants of
 * a suite (models, prompts…) over the same items: summary per run, then per item each run's
 * result, output and scores. Reads the first 1,000 items of each run.
 */
import { api, type Run, type RunItem } from '../api.js'
import { itemStatus, table, verdictBadge } from '../components.js'
import { h } from '../dom.js'
import { excerpt, num, pct, usd } from '../format.js'
import type { Page } from '../nav.js'
import { href, paths, type Route } from '../router.js'

const MAX_ITEMS = 1000

export async function groupPage(route: Route): Promise<Page> {
  const group = route.params.group!
  const onlyDiff = route.query.get('diff') === '1'
  const runs = (await api.runs({ runGroup: group })).reverse() // oldest first: the order they ran
  if (runs.length === 0) {
    return {
      title: 'Run group',
      crumbs: [{ label: 'Suites', href: '/' }, { label: group }],
      body: h(
        'div',
        { class: 'notfound', 'data-page': 'not-found' },
        h('h1', null, 'Not found'),
        h('p', null, `No runs in run group ${JSON.stringify(group)}.`),
      ),
    }
  }
  const results = await Promise.all(runs.map((r) => api.results(r.id, { page: 1, perPage: MAX_ITEMS })))
  const metricNames = [...new Set(runs.flatMap((r) => r.summary.metrics.map((m) => m.name)))]
  const summaryRows: (string | Node)[][] = [
    ['verdict', ...runs.map((r) => verdictBadge(r))],
    ['pass rate', ...runs.map((r) => pct(r.summary.passRate))],
    [
      'star',
      ...runs.map((r) => (r.summary.star ? `${r.summary.star.metric} ${num(r.summary.star.value)}` : '–')),
    ],
    ...metricNames.map((m) => [
      `${m} mean`,
      ...runs.map((r) => num(r.summary.metrics.find((x) => x.name === m)?.mean ?? null)),
    ]),
    ['cost', ...runs.map((r) => usd(r.summary.totalCostUsd))],
  ]
  const key = (i: RunItem) => `${i.trial}\u0000${i.itemId}`
  const byRun = results.map((res) => new Map(res.items.map((i) => [key(i), i])))
  const keys: string[] = []
  const seen = new Set<string>()
  for (const res of results)
    for (const i of res.items)
      if (!seen.has(key(i))) {
        seen.add(key(i))
        keys.push(key(i))
      }
  const differs = (k: string) => {
    const outcomes = byRun.map((m) => {
      const i = m.get(k)
      return i ? `${i.status}:${i.passed}` : 'missing'
    })
    return new Set(outcomes).size > 1
  }
  const shownKeys = onlyDiff ? keys.filter(differs) : keys
  const cell = (run: Run, i: RunItem | undefined) => {
    if (!i) return h('span', { class: 'muted' }, 'not in this run')
    return h(
      'div',
      { class: 'variant-cell' },
      h('a', { href: paths.item(run.id, i.ordinal) }, itemStatus(i)),
      h(
        'div',
        { class: 'cell-text', 'data-field': 'output' },
        i.error ? i.error.message : excerpt(i.output, 200),
      ),
      h(
        'div',
        { class: 'small muted' },
        i.scores.map((s) => `${s.metric} ${s.error ? 'error' : num(s.score)}`).join(' · '),
      ),
    )
  }
  const itemRows = shownKeys.map((k) => {
    const first = byRun.map((m) => m.get(k)).find((i) => i !== undefined)!
    return [
      h(
        'div',
        null,
        h('div', { class: 'mono small' }, first.itemId),
        h('div', { class: 'cell-text' }, excerpt(first.input, 160)),
      ),
      ...runs.map((r, idx) => cell(r, byRun[idx]!.get(k))),
    ]
  })
  // a function: a DOM node lives in one place, and both tables need the heads
  const runHead = () => runs.map((r) => h('a', { href: paths.run(r.id) }, r.suiteName))
  const truncated = results.some((r) => r.total > MAX_ITEMS)
  const body = h(
    'div',
    { 'data-page': 'group' },
    h('h1', null, 'Run group ', h('span', { class: 'mono' }, group)),
    h('p', { class: 'muted' }, `${runs.length} runs side by side.`),
    table(['', ...runHead()], summaryRows, { class: 'variants-summary' }),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'a',
        { href: onlyDiff ? paths.group(group) : href(paths.group(group), { diff: 1 }), class: 'filter' },
        onlyDiff ? 'show all items' : 'only items where the runs differ',
      ),
      truncated ? h('span', { class: 'muted' }, ` showing the first ${MAX_ITEMS} items of each run`) : null,
    ),
    table(['item', ...runHead()], itemRows, { class: 'variants' }),
  )
  return {
    title: `Run group ${group}`,
    crumbs: [{ label: 'Suites', href: '/' }, { label: `group ${group}` }],
    body,
  }
}
