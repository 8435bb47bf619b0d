import { verdictPasses } from '../src/gate/index.js'
import type { Run } from '../src/schema/api.js'
import { type Colors, terminalColors } from '../src/util/colors.js'
import { terminalText } from '../src/util/terminal-text.js'

/** What one suite's summary shows: the fetched run (with its verdict) and the previous run of the same suite version. */
export interface SuiteReport {
  run: Run
  previous: Run | null
  /** Where to view the run (a URL, or how to show it when the server was embedded). */
  runUrl: string
  /** Shown when the run's gate is asserted later (shards). */
  deferredNote?: string | undefined
}

/** The terminal summary of one suite; `colors` paints it (no-op formatters when colour is off). */
export function formatTerminalSummary(report: SuiteReport, colors: Colors = terminalColors(false)): string {
  const { run, previous } = report
  const s = run.summary
  const lines: string[] = []
  const paint = verdictPaint(report, colors)
  lines.push(
    ` ${paint(verdictMark(report))} evalgate  ${colors.bold(terminalText(run.suiteName))} (v${run.suiteVersion})  ${s.totalItems} items: ${s.passedItems} passed, ${s.failedItems} failed${s.erroredItems ? ` (${s.erroredItems} errored)` : ''}  pass rate ${pct(s.passRate)}`,
  )
  if (s.metrics.length > 0) {
    const rows = [['metric', 'mean', 'Δ prev', 'min', 'max', 'pass rate']]
    for (const m of s.metrics) {
      rows.push([
        terminalText(m.name),
        num(m.mean),
        delta(m.mean, previousMean(previous, m.name)),
        num(m.min),
        num(m.max),
        pct(m.passRate),
      ])
    }
    for (const row of table(rows)) lines.push(`   ${row}`)
  }
  lines.push(
    `   cost ${usd(s.totalCostUsd)} · latency mean ${ms(s.meanLatencyMs)}, p95 ${ms(s.p95LatencyMs)} · duration ${ms(s.durationMs)}${tokens(run)}`,
  )
  if (s.runMetrics?.length) {
    lines.push(
      `   run metrics: ${s.runMetrics.map((m) => `${terminalText(m.name)} ${num(m.value)} (n=${m.count})`).join(' · ')}`,
    )
  }
  lines.push(`   gate: ${paint(terminalText(gateText(report)))}`)
  lines.push(`   run:  ${colors.dim(terminalText(report.runUrl))}`)
  return lines.join('\n')
}

export function formatMarkdownSummary(report: SuiteReport): string {
  const { run, previous } = report
  const s = run.summary
  const out: string[] = []
  out.push(`### ${verdictEmoji(report)} evalgate · ${md(run.suiteName)} (v${run.suiteVersion})`)
  out.push('')
  out.push('| items | passed | failed | errored | pass rate | cost | mean latency | p95 latency |')
  out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  out.push(
    `| ${s.totalItems} | ${s.passedItems} | ${s.failedItems} | ${s.erroredItems} | ${pct(s.passRate)} | ${usd(s.totalCostUsd)} | ${ms(s.meanLatencyMs)} | ${ms(s.p95LatencyMs)} |`,
  )
  if (s.metrics.length > 0) {
    out.push('')
    out.push('| metric | mean | Δ prev | min | max | pass rate |')
    out.push('| --- | ---: | ---: | ---: | ---: | ---: |')
    for (const m of s.metrics) {
      out.push(
        `| ${md(m.name)} | ${num(m.mean)} | ${delta(m.mean, previousMean(previous, m.name))} | ${num(m.min)} | ${num(m.max)} | ${pct(m.passRate)} |`,
      )
    }
  }
  out.push('')
  out.push(`**Gate:** ${md(gateText(report))}`)
  out.push('')
  const link = /^https?:\/\//.test(report.runUrl) ? `[\`${run.id}\`](${report.runUrl})` : `\`${run.id}\``
  out.push(`Run ${link} · run group \`${md(run.runGroup)}\``)
  out.push('')
  return out.join('\n')
}

/** A suite whose items could not be uploaded: what the summary says instead of the table. */
export function formatUncheckedSummary(args: {
  suiteName: string
  items: number
  failedItems: number
  outboxFile: string | null
  error: string
}): string {
  const where = args.outboxFile ? ` saved to ${args.outboxFile}` : ''
  return [
    ` ! evalgate  ${terminalText(args.suiteName)}  ${args.items} items (${args.failedItems} failed), gate NOT checked: ${terminalText(args.error)}`,
    `   items${where}; send them later with: npx evalgate upload`,
  ].join('\n')
}

/** The verdict in words: its passing conditions, or why it failed, or why there is none yet. */
function gateText(report: SuiteReport): string {
  const { verdict } = report.run.summary
  if (report.deferredNote) return report.deferredNote
  const label = verdict.gated ? '' : 'no gate; '
  if (verdict.passed === true) return `${label}passed — ${verdictPasses(verdict).join(' · ')}`
  if (verdict.passed === false) return `${label}FAILED — ${verdict.failures.join(' · ')}`
  return `no verdict — ${verdict.failures.join(' · ')}`
}

/** The mark is the stored verdict: ✓ passed, ✗ failed, · not finalized, … deferred (shards). */
export function verdictMark(report: SuiteReport): string {
  if (report.deferredNote) return '…'
  const { passed } = report.run.summary.verdict
  return passed === true ? '✓' : passed === false ? '✗' : '·'
}

function verdictPaint(report: SuiteReport, colors: Colors): (text: string) => string {
  const mark = verdictMark(report)
  return mark === '✓' ? colors.green : mark === '✗' ? colors.red : colors.yellow
}

function verdictEmoji(report: SuiteReport): string {
  if (report.deferredNote) return '⏳'
  const mark = verdictMark(report)
  return mark === '✓' ? '✅' : mark === '✗' ? '❌' : '⏳'
}

function previousMean(previous: Run | null, metric: string): number | null {
  return previous?.summary.metrics.find((m) => m.name === metric)?.mean ?? null
}

function tokens(run: Run): string {
  const { inputTokens, outputTokens } = run.summary
  return inputTokens || outputTokens ? ` · tokens ${inputTokens} in / ${outputTokens} out` : ''
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)))
  return rows.map((row) =>
    row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '),
  )
}

export function num(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(3)
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`
}

function delta(current: number | null, previous: number | null): string {
  if (current === null || previous === null) return '—'
  const d = current - previous
  if (Math.abs(d) < 0.0005) return '±0.000'
  return `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}`
}

export function usd(value: number): string {
  return value === 0 ? '$0' : `$${value < 0.01 ? value.toPrecision(2) : value.toFixed(4)}`
}

export function ms(value: number | null): string {
  if (value === null) return '—'
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

/** Names are user-controlled: escape what would break a Markdown table. */
function md(text: string): string {
  return terminalText(
    text
      .replace(/[|\\`*_[\]]/g, (c) => `\\${c}`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/\r?\n/g, ' '),
  )
}
