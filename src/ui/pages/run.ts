/**
 * `/runs/:id?status=&page=&q=&sort=`: verdict and gate checks, run statistics, per-metric
 * statistics, the star metric's trend, and the items (paged on the server, filtered by outcome;
 * search and sort within the page) with input, expected, output and every score with its reason.
 */
import { api, previousRun, type Run, type RunItem } from '../api.js'
import { itemStatus, passMark, section, sparkline, stat, table, verdictBadge } from '../components.js'
import { h } from '../dom.js'
import { excerpt, ms, num, pct, usd, when } from '../format.js'
import { navigate, type Page } from '../nav.js'
import { href, paths, type Route } from '../router.js'

const PER_PAGE = 100
const STATUSES = ['all', 'passed', 'failed', 'errored'] as const

export function runHeader(run: Run) {
  const s = run.summary
  return [
    h(
      'div',
      { class: 'run-head' },
      h('h1', null, run.suiteName, ' ', h('span', { class: 'muted' }, `· ${run.name}`)),
      h(
        'div',
        { class: 'verdict' },
        verdictBadge(run),
        s.passRule ? h('span', { class: 'muted' }, s.passRule) : null,
      ),
    ),
    h(
      'p',
      { class: 'muted meta' },
      `status ${run.status} · suite v${run.suiteVersion} · dataset ${run.datasetVersion.slice(0, 12)} · `,
      h('a', { href: paths.group(run.runGroup) }, `group ${run.runGroup}`),
      ` · ${when(run.createdAt)}`,
      run.errorDescription ? ` · error: ${run.errorDescription}` : '',
    ),
  ]
}

function gateSection(run: Run) {
  const s = run.summary
  const rows = (s.gate?.checks ?? []).map((c) => [
    h('span', { class: 'mono' }, c.condition),
    num(c.actual),
    c.op,
    num(c.expected),
    passMark(c.passed),
    c.message,
  ])
  const star = s.star
  return section(
    'Verdict',
    star
      ? h(
          'p',
          { class: 'star' },
          'Star metric ',
          h('strong', null, star.metric),
          `: ${num(star.value)}`,
          star.successThreshold !== null ? ` (threshold ${num(star.successThreshold)})` : '',
          ' ',
          passMark(star.passed),
          h('span', { class: 'muted' }, ` ${star.rule}`),
        )
      : null,
    rows.length > 0
      ? table(['gate check', 'actual', 'op', 'expected', 'result', 'message'], rows, { class: 'gate' })
      : h('p', { class: 'muted' }, s.gate ? 'The gate has no checks.' : 'This suite has no gate.'),
  )
}

function statsSection(run: Run) {
  const s = run.summary
  return h(
    'div',
    { class: 'stats' },
    stat('items', String(s.totalItems)),
    stat('passed', String(s.passedItems)),
    stat('failed', String(s.failedItems)),
    stat('errored', String(s.erroredItems)),
    stat('pass rate', pct(s.passRate)),
    stat('duration', ms(s.durationMs)),
    stat('latency mean / p95', `${ms(s.meanLatencyMs)} / ${ms(s.p95LatencyMs)}`),
    stat('tokens in / out', `${s.inputTokens} / ${s.outputTokens}`),
    stat('cost', usd(s.totalCostUsd)),
  )
}

function metricsSection(run: Run) {
  return section(
    'Metrics',
    table(
      ['metric', 'mean', 'min', 'max', 'pass rate', 'threshold', 'scored', 'null', 'errors'],
      run.summary.metrics.map((m) => [
        h('span', { class: 'mono' }, m.name, m.inverted ? ' (lower is better)' : ''),
        num(m.mean),
        num(m.min),
        num(m.max),
        pct(m.passRate),
        num(m.threshold),
        String(m.count),
        String(m.nullCount),
        String(m.errorCount),
      ]),
      { class: 'metrics' },
    ),
  )
}

function scoreCell(item: RunItem, metric: string) {
  const s = item.scores.find((x) => x.metric === metric)
  if (!s) return h('span', { class: 'muted' }, '–')
  return h(
    'div',
    { class: `score ${s.passed === false ? 'bad' : s.passed === true ? 'ok' : ''}` },
    h('span', { class: 'score-value' }, s.error ? 'error' : num(s.score)),
    s.reason ? h('div', { class: 'reason' }, s.reason) : null,
    s.error ? h('div', { class: 'reason err' }, s.error) : null,
  )
}

function matches(item: RunItem, q: string): boolean {
  if (!q) return true
  const needle = q.toLowerCase()
  const hay = [
    item.itemId,
    JSON.stringify(item.input),
    JSON.stringify(item.expected ?? null),
    JSON.stringify(item.output),
  ]
  hay.push(...item.tags, ...item.scores.map((s) => s.reason ?? ''))
  return hay.some((t) => t.toLowerCase().includes(needle))
}

function itemsSection(run: Run, items: RunItem[], total: number, route: Route) {
  const status = route.query.get('status') ?? 'all'
  const page = Number(route.query.get('page') ?? '1') || 1
  const q = route.query.get('q') ?? ''
  const sort = route.query.get('sort') ?? ''
  const base = paths.run(run.id)
  const current = {
    status: status === 'all' ? undefined : status,
    q: q || undefined,
    sort: sort || undefined,
  }
  const metricNames = run.summary.metrics.map((m) => m.name)
  let shown = items.filter((i) => matches(i, q))
  if (sort) {
    const [metric, dir] = sort.split(':')
    const value = (i: RunItem) => i.scores.find((s) => s.metric === metric)?.score ?? Number.NaN
    shown = [...shown].sort((a, b) => {
      const va = value(a)
      const vb = value(b)
      if (Number.isNaN(va)) return 1
      if (Number.isNaN(vb)) return -1
      return dir === 'desc' ? vb - va : va - vb
    })
  }
  const filters = h(
    'div',
    { class: 'filters', role: 'group', 'aria-label': 'filter items' },
    STATUSES.map((s) =>
      h(
        'a',
        {
          href: href(base, { ...current, status: s === 'all' ? undefined : s }),
          class: `filter${s === status ? ' active' : ''}`,
          'data-filter': s,
          'aria-current': s === status ? 'true' : undefined,
        },
        s,
      ),
    ),
  )
  const search = h('input', {
    type: 'search',
    name: 'q',
    value: q,
    placeholder: 'search this page',
    'aria-label': 'search items',
  })
  const searchForm = h(
    'form',
    {
      class: 'search',
      onsubmit: (ev: Event) => {
        ev.preventDefault()
        navigate(href(base, { ...current, q: search.value || undefined }), true)
      },
    },
    search,
  )
  const sortSelect = h(
    'select',
    {
      'aria-label': 'sort items',
      onchange: (ev: Event) =>
        navigate(href(base, { ...current, sort: (ev.target as HTMLSelectElement).value || undefined }), true),
    },
    h('option', { value: '' }, 'dataset order'),
    metricNames.flatMap((m) => [
      h('option', { value: `${m}:asc`, selected: sort === `${m}:asc` }, `${m} ↑`),
      h('option', { value: `${m}:desc`, selected: sort === `${m}:desc` }, `${m} ↓`),
    ]),
  )
  const pages = Math.max(1, Math.ceil(total / PER_PAGE))
  const pager = h(
    'div',
    { class: 'pager' },
    page > 1 ? h('a', { href: href(base, { ...current, page: page - 1 }), rel: 'prev' }, '← previous') : null,
    h('span', null, ` page ${page} of ${pages} (${total} items) `),
    page < pages ? h('a', { href: href(base, { ...current, page: page + 1 }), rel: 'next' }, 'next →') : null,
  )
  const rows = shown.map((i) => [
    h('a', { href: paths.item(run.id, i.ordinal), class: 'item-link' }, `#${i.ordinal}`),
    h('div', { class: 'mono small' }, i.itemId, i.trial > 0 ? ` (trial ${i.trial})` : ''),
    itemStatus(i),
    h('div', { class: 'cell-text', 'data-field': 'input' }, excerpt(i.input)),
    h('div', { class: 'cell-text', 'data-field': 'expected' }, excerpt(i.expected)),
    h(
      'div',
      { class: 'cell-text', 'data-field': 'output' },
      i.error ? h('span', { class: 'err' }, `${i.error.name}: ${i.error.message}`) : excerpt(i.output),
    ),
    ...metricNames.map((m) => scoreCell(i, m)),
  ])
  return section(
    'Items',
    h('div', { class: 'toolbar' }, filters, searchForm, sortSelect),
    table(['#', 'item', 'result', 'input', 'expected', 'output', ...metricNames], rows, { class: 'items' }),
    shown.length === 0 ? h('p', { class: 'empty' }, 'No items match.') : null,
    pager,
  )
}

interface RunContext {
  suiteRuns: Run[]
  group: Run[]
  previous: Run | undefined
}

/**
 * The suite's runs, the run group and the previous run: read once per visit of a run, so that
 * filtering, paging and sorting its items costs one request.
 */
let context: { runId: string; value: Promise<RunContext> } | undefined

function runContext(run: Run): Promise<RunContext> {
  if (context?.runId !== run.id) {
    const value = Promise.all([api.suiteRuns(run.suiteId), api.runs({ runGroup: run.runGroup })]).then(
      ([suiteRuns, group]) => ({ suiteRuns, group, previous: previousRun(run, suiteRuns) }),
    )
    const entry = { runId: run.id, value }
    context = entry
    value.catch(() => {
      if (context === entry) context = undefined
    })
  }
  return context!.value
}

export async function runPage(route: Route): Promise<Page> {
  const id = route.params.id!
  const rawStatus = route.query.get('status')
  const status =
    rawStatus === 'passed' || rawStatus === 'failed' || rawStatus === 'errored' ? rawStatus : undefined
  const page = Math.max(1, Number(route.query.get('page') ?? '1') || 1)
  const results = await api.results(id, { page, perPage: PER_PAGE, status })
  const run = results.run
  const { suiteRuns, group, previous } = await runContext(run)
  const oldestFirst = [...suiteRuns].reverse()
  const star = run.summary.star?.metric
  const trend = oldestFirst.map((r) => (star ? (r.summary.star?.value ?? null) : r.summary.passRate))
  const links = h(
    'div',
    { class: 'links' },
    previous
      ? h(
          'a',
          { href: paths.compare(run.id, previous.id), class: 'button', 'data-action': 'compare' },
          'Compare with previous run',
        )
      : h('span', { class: 'muted' }, 'First run of this suite'),
    group.length > 1
      ? h(
          'a',
          { href: paths.group(run.runGroup), class: 'button' },
          `Variants in this run group (${group.length})`,
        )
      : null,
    h(
      'span',
      { class: 'trendbox' },
      sparkline(trend, `${star ?? 'pass rate'} across ${trend.length} runs of this suite`, 160, 32),
      h('a', { href: paths.suite(run.suiteId) }, `${star ? `star ${star}` : 'pass rate'} trend`),
    ),
  )
  const body = h(
    'div',
    { 'data-page': 'run' },
    ...runHeader(run),
    links,
    gateSection(run),
    statsSection(run),
    metricsSection(run),
    itemsSection(run, results.items, results.total, route),
  )
  return {
    title: `${run.suiteName} · ${run.name}`,
    crumbs: [
      { label: 'Suites', href: '/' },
      { label: run.suiteName, href: paths.suite(run.suiteId) },
      { label: run.name },
    ],
    body,
  }
}
