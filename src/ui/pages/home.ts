/** `/`: every suite with its latest verdict, pass rate, star metric and trend; the recent runs. */
import { api, type Run } from '../api.js'
import { section, sparkline, table, verdictBadge } from '../components.js'
import { h } from '../dom.js'
import { num, pct, when } from '../format.js'
import type { Page } from '../nav.js'
import { paths, type Route } from '../router.js'

export function runRow(run: Run, opts: { suite?: boolean } = {}) {
  return [
    h('a', { href: paths.run(run.id), class: 'run-link' }, when(run.createdAt)),
    opts.suite === false ? null : h('a', { href: paths.suite(run.suiteId) }, run.suiteName),
    `v${run.suiteVersion}`,
    h('a', { href: paths.group(run.runGroup), class: 'mono' }, run.runGroup),
    run.status,
    verdictBadge(run),
    pct(run.summary.passRate),
    run.summary.star ? `${run.summary.star.metric} ${num(run.summary.star.value)}` : '–',
    `${run.summary.passedItems}/${run.summary.totalItems}`,
  ].filter((c) => c !== null)
}

export const RUN_HEAD = [
  'run',
  'suite',
  'version',
  'run group',
  'status',
  'verdict',
  'pass rate',
  'star',
  'passed',
]

export async function homePage(_route: Route): Promise<Page> {
  const [suites, runs] = await Promise.all([api.suites(), api.runs({ limit: 500 })])
  const bySuite = new Map<string, Run[]>()
  for (const r of runs) {
    const list = bySuite.get(r.suiteId) ?? []
    list.push(r)
    bySuite.set(r.suiteId, list)
  }
  const suiteRows = suites.map((s) => {
    const list = bySuite.get(s.id) ?? [] // newest first
    const latest = list[0]
    const oldestFirst = [...list].reverse()
    const starName = latest?.summary.star?.metric ?? s.star?.metric
    const series = oldestFirst.map((r) => (starName ? (r.summary.star?.value ?? null) : r.summary.passRate))
    return [
      h('a', { href: paths.suite(s.id), class: 'suite-link' }, s.name),
      latest ? verdictBadge(latest) : h('span', { class: 'muted' }, 'no runs'),
      latest ? pct(latest.summary.passRate) : '–',
      latest?.summary.star ? `${latest.summary.star.metric} ${num(latest.summary.star.value)}` : '–',
      sparkline(series, `${starName ?? 'pass rate'} over ${series.length} runs`),
      latest ? h('a', { href: paths.run(latest.id) }, when(latest.createdAt)) : '–',
      String(s.totalRuns),
    ]
  })
  const body = h(
    'div',
    { 'data-page': 'home' },
    h('h1', null, 'Evaluations'),
    suites.length === 0
      ? h(
          'p',
          { class: 'empty' },
          'No runs yet. Run your evals with `vitest run` (the evalgate plugin uploads them here).',
        )
      : null,
    section(
      'Suites',
      table(
        ['suite', 'latest verdict', 'pass rate', 'star metric', 'trend', 'latest run', 'runs'],
        suiteRows,
        {
          class: 'suites',
        },
      ),
    ),
    section(
      'Recent runs',
      table(
        RUN_HEAD,
        runs.slice(0, 100).map((r) => runRow(r)),
        { class: 'runs' },
      ),
    ),
  )
  return { title: 'Suites', crumbs: [{ label: 'Suites' }], body }
}
