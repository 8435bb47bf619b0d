/** `/suites/:id?version=`: the suite's runs with the trend of pass rate and star metric; its versions. */
import { api } from '../api.js'
import { section, table, trendChart } from '../components.js'
import { h } from '../dom.js'
import { when } from '../format.js'
import { navigate, type Page } from '../nav.js'
import { href, paths, type Route } from '../router.js'
import { RUN_HEAD, runRow } from './home.js'

export async function suitePage(route: Route): Promise<Page> {
  const id = route.params.id!
  const versionParam = route.query.get('version')
  const version = versionParam && /^\d+$/.test(versionParam) ? Number(versionParam) : undefined
  const [suite, versions, runs] = await Promise.all([
    api.suite(id),
    api.suiteVersions(id),
    api.suiteRuns(id, version),
  ])
  const oldestFirst = [...runs].reverse()
  const starName = suite.star?.metric ?? oldestFirst.find((r) => r.summary.star)?.summary.star?.metric
  const series = [
    { name: 'pass rate', values: oldestFirst.map((r) => r.summary.passRate), className: 's-pass' },
    ...(starName
      ? [
          {
            name: `star: ${starName}`,
            values: oldestFirst.map((r) => r.summary.star?.value ?? null),
            className: 's-star',
          },
        ]
      : []),
  ]
  const versionSelect = h(
    'select',
    {
      'aria-label': 'suite version',
      onchange: (ev: Event) =>
        navigate(href(paths.suite(id), { version: (ev.target as HTMLSelectElement).value || undefined })),
    },
    h('option', { value: '' }, 'all versions'),
    versions.map((v) =>
      h('option', { value: String(v.version), selected: v.version === version }, `version ${v.version}`),
    ),
  )
  const body = h(
    'div',
    { 'data-page': 'suite' },
    h('h1', null, suite.name),
    suite.description ? h('p', { class: 'muted' }, suite.description) : null,
    h('div', { class: 'toolbar' }, versionSelect),
    section(
      'Trend',
      runs.length > 0
        ? trendChart(
            series,
            oldestFirst.map((r) => when(r.createdAt)),
            `pass rate${starName ? ` and ${starName}` : ''} over ${runs.length} runs`,
          )
        : h('p', { class: 'muted' }, 'No runs.'),
    ),
    section(
      'Runs',
      table(
        RUN_HEAD.filter((c) => c !== 'suite'),
        runs.map((r) => runRow(r, { suite: false })),
        { class: 'runs' },
      ),
    ),
    section(
      'Versions',
      table(
        ['version', 'dataset', 'metrics', 'star', 'gate', 'since'],
        versions.map((v) => [
          h('a', { href: href(paths.suite(id), { version: v.version }) }, `v${v.version}`),
          `${v.datasetName} (${v.datasetSize} items, ${v.datasetVersion.slice(0, 12)})`,
          v.metrics.map((m) => m.name).join(', '),
          v.star ? v.star.metric : '–',
          v.gate ? JSON.stringify(v.gate) : '–',
          when(v.createdAt),
        ]),
      ),
    ),
  )
  return {
    title: suite.name,
    crumbs: [{ label: 'Suites', href: '/' }, { label: suite.name }],
    body,
  }
}
