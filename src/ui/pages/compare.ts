/**
 * `/runs/:id/compare[/:baseId]`: this run against a base (default: the previous run of the same
 * suite): metric deltas, then item by item what regressed, improved, appeared or disappeared,
 * sorted by the size of the change.
 */
import { api, previousRun, type RunCompare } from '../api.js'
import { passMark, section, table, verdictBadge } from '../components.js'
import { h } from '../dom.js'
import { num, pct, signed, when } from '../format.js'
import { navigate, type Page } from '../nav.js'
import { paths, type Route } from '../router.js'

type CompareItem = RunCompare['items'][number]
export type Change = 'regressed' | 'improved' | 'appeared' | 'disappeared' | 'changed' | 'same'

export function changeOf(i: CompareItem): Change {
  if (i.basePassed === null && i.headPassed !== null) return 'appeared'
  if (i.headPassed === null && i.basePassed !== null) return 'disappeared'
  if (i.basePassed === true && i.headPassed === false) return 'regressed'
  if (i.basePassed === false && i.headPassed === true) return 'improved'
  const sum = Object.values(i.deltas).reduce<number>((a, d) => a + (d ?? 0), 0)
  if (sum < 0) return 'regressed'
  if (sum > 0) return 'improved'
  return 'same'
}

const ORDER: Record<Change, number> = {
  regressed: 0,
  improved: 1,
  appeared: 2,
  disappeared: 3,
  changed: 4,
  same: 5,
}

function magnitude(i: CompareItem): number {
  return Object.values(i.deltas).reduce<number>((a, d) => a + Math.abs(d ?? 0), 0)
}

export async function comparePage(route: Route): Promise<Page> {
  const headId = route.params.id!
  let baseId = route.params.baseId
  const head = await api.run(headId)
  const suiteRuns = await api.suiteRuns(head.suiteId)
  if (!baseId) {
    const prev = previousRun(head, suiteRuns)
    if (!prev) {
      return {
        title: 'Compare',
        crumbs: [
          { label: 'Suites', href: '/' },
          { label: head.suiteName, href: paths.run(head.id) },
          { label: 'compare' },
        ],
        body: h(
          'div',
          { 'data-page': 'compare' },
          h('h1', null, 'Nothing to compare'),
          h('p', null, `${head.suiteName} has no run before this one.`),
        ),
      }
    }
    baseId = prev.id
  }
  const cmp = await api.compare(headId, baseId)
  const showAll = route.query.get('all') === '1'
  const items = [...cmp.items]
    .map((i) => ({ i, change: changeOf(i) }))
    .filter((x) => showAll || x.change !== 'same')
    .sort((a, b) => ORDER[a.change] - ORDER[b.change] || magnitude(b.i) - magnitude(a.i))
  const counts = new Map<Change, number>()
  for (const i of cmp.items) counts.set(changeOf(i), (counts.get(changeOf(i)) ?? 0) + 1)
  const metricNames = cmp.metrics.map((m) => m.name)
  const baseSelect = h(
    'select',
    {
      'aria-label': 'base run',
      onchange: (ev: Event) => navigate(paths.compare(headId, (ev.target as HTMLSelectElement).value)),
    },
    suiteRuns
      .filter((r) => r.id !== headId)
      .map((r) =>
        h(
          'option',
          { value: r.id, selected: r.id === baseId },
          `${when(r.createdAt)} · ${r.name} · v${r.suiteVersion}`,
        ),
      ),
  )
  const body = h(
    'div',
    { 'data-page': 'compare' },
    h('h1', null, `Compare ${cmp.head.suiteName}`),
    table(
      ['', 'run', 'verdict', 'pass rate', 'created'],
      [
        [
          'head',
          h('a', { href: paths.run(cmp.head.id) }, cmp.head.name),
          verdictBadge(cmp.head),
          pct(cmp.head.summary.passRate),
          when(cmp.head.createdAt),
        ],
        [
          'base',
          h('a', { href: paths.run(cmp.base.id) }, cmp.base.name),
          verdictBadge(cmp.base),
          pct(cmp.base.summary.passRate),
          when(cmp.base.createdAt),
        ],
      ],
      { class: 'pair' },
    ),
    h('div', { class: 'toolbar' }, h('label', null, 'base run ', baseSelect)),
    section(
      'Metrics',
      table(
        ['metric', 'base mean', 'head mean', 'delta'],
        cmp.metrics.map((m) => [
          h('span', { class: 'mono' }, m.name),
          num(m.baseMean),
          num(m.headMean),
          h(
            'span',
            { class: m.delta === null || m.delta === 0 ? '' : m.delta > 0 ? 'up' : 'down' },
            signed(m.delta),
          ),
        ]),
        { class: 'metric-deltas' },
      ),
    ),
    section(
      'Items',
      h(
        'p',
        { class: 'counts' },
        (['regressed', 'improved', 'appeared', 'disappeared', 'same'] as const).map((c) =>
          h('span', { class: `count ${c}`, 'data-count': c }, `${counts.get(c) ?? 0} ${c}`),
        ),
        ' ',
        h(
          'a',
          { href: showAll ? paths.compare(headId, baseId) : `${paths.compare(headId, baseId)}?all=1` },
          showAll ? 'hide unchanged' : 'show unchanged',
        ),
      ),
      table(
        ['change', 'item', 'base', 'head', ...metricNames.map((m) => `Δ ${m}`)],
        items.map(({ i, change }) => [
          h('span', { class: `change ${change}`, 'data-change': change }, change),
          h(
            'div',
            null,
            i.headPassed !== null
              ? h('a', { href: paths.itemByKey(cmp.head.id, i.itemId, i.trial), class: 'mono' }, i.itemId)
              : h('span', { class: 'mono' }, i.itemId),
            i.trial > 0 ? ` (trial ${i.trial})` : '',
            i.basePassed !== null
              ? h(
                  'a',
                  { href: paths.itemByKey(cmp.base.id, i.itemId, i.trial), class: 'small base-link' },
                  ' base',
                )
              : null,
          ),
          passMark(i.basePassed),
          passMark(i.headPassed),
          ...metricNames.map((m) => {
            const d = i.deltas[m]
            return h(
              'span',
              { class: d === undefined || d === null || d === 0 ? '' : d > 0 ? 'up' : 'down' },
              signed(d ?? null),
            )
          }),
        ]),
        { class: 'compare-items' },
      ),
      items.length === 0 ? h('p', { class: 'empty' }, 'No item changed.') : null,
    ),
  )
  return {
    title: `Compare ${cmp.head.suiteName}`,
    crumbs: [
      { label: 'Suites', href: '/' },
      { label: cmp.head.suiteName, href: paths.suite(cmp.head.suiteId) },
      { label: cmp.head.name, href: paths.run(cmp.head.id) },
      { label: 'compare' },
    ],
    body,
  }
}
