import { parseArgs } from 'node:util'
import { formatTerminalSummary } from '../../../reporter/summary.js'
import type { Connection } from '../../client/connect.js'
import type { Run, RunItem } from '../../schema/api.js'
import { colorEnabled, terminalColors } from '../../util/colors.js'
import { terminalJson, terminalText } from '../../util/terminal-text.js'
import { CONNECTION_HELP, CONNECTION_OPTIONS, errorLine, openConnection } from './client-args.js'

const HELP = `usage: evalgate show <runId> [options]

A run's summary (per-metric statistics with deltas against the previous run of the same suite
version, cost, latency, gate verdict) and its failed items.

  --items <n>       failed items to list (default 20; 0 = none)
${CONNECTION_HELP}
`

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS, items: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const runId = positionals[0]
  if (!runId || positionals.length > 1) {
    process.stderr.write(`evalgate show: expected one run id\n\n${HELP}`)
    return 2
  }
  const itemCount = values.items === undefined ? 20 : Number(values.items)
  if (!Number.isInteger(itemCount) || itemCount < 0 || itemCount > 1000) {
    process.stderr.write(
      `evalgate show: --items must be an integer in [0, 1000], got ${JSON.stringify(values.items)}\n`,
    )
    return 2
  }
  let connection: Connection | null = null
  try {
    connection = await openConnection(values, { runJobs: false, createDatabase: false })
    const { api } = connection
    const current = await api.runs.get(runId)
    const previous = await previousRun(connection, current)
    const failed =
      itemCount > 0 ? (await api.runs.results(runId, { status: 'failed', perPage: itemCount })).items : []
    if (values.json) {
      process.stdout.write(`${terminalJson({ run: current, previous, failedItems: failed }, 2)}\n`)
      return 0
    }
    const runUrl =
      connection.mode === 'embedded'
        ? `${current.id} (open: npx evalgate ui --run ${current.id})`
        : current.url
    process.stdout.write(
      `${formatTerminalSummary({ run: current, previous, runUrl }, terminalColors(colorEnabled(process.stdout)))}\n`,
    )
    process.stdout.write(
      `   status: ${terminalText(current.status)} · group ${terminalText(current.runGroup)} · created ${terminalText(current.createdAt)}\n`,
    )
    if (current.errorDescription)
      process.stdout.write(`   error: ${excerpt(current.errorDescription, 2000)}\n`)
    if (failed.length > 0) {
      process.stdout.write(`\n   failed items (${failed.length} of ${current.summary.failedItems}):\n`)
      for (const item of failed) process.stdout.write(`${formatFailedItem(item)}\n`)
    }
    return 0
  } catch (error) {
    process.stderr.write(errorLine('show', error, connection))
    return 1
  } finally {
    await connection?.close()
  }
}

async function previousRun(connection: Connection, run: Run): Promise<Run | null> {
  const { runs } = await connection.api.runs.list({
    suiteName: run.suiteName,
    suiteVersion: run.suiteVersion,
    limit: 20,
  })
  return runs.find((r) => r.id !== run.id && r.createdAt <= run.createdAt) ?? null
}

/** Model output is untrusted text: printed as JSON, control characters escaped (once), truncated. */
function formatFailedItem(item: RunItem): string {
  const trial = item.trial > 0 ? ` trial ${item.trial}` : ''
  const lines = [`   ✗ #${item.index} ${terminalJson(item.itemId)}${trial} (${terminalText(item.status)})`]
  if (item.error) lines.push(`       error: ${excerpt(`${item.error.name}: ${item.error.message}`)}`)
  for (const score of item.scores) {
    if (score.passed !== false) continue
    const needs = score.threshold === null ? '' : `, needs ${score.inverted ? '<=' : '>='} ${score.threshold}`
    const why = score.error
      ? ` — error: ${excerpt(score.error)}`
      : score.reason
        ? ` — ${excerpt(score.reason)}`
        : ''
    lines.push(
      `       ${terminalText(score.metric)}: ${score.score === null ? 'no score' : score.score.toFixed(3)}${needs}${why}`,
    )
  }
  lines.push(`       output: ${excerpt(terminalJson(item.output))}`)
  return lines.join('\n')
}

/** One line of untrusted text, shortened: controls (newlines included) escaped once, quotes as they are. */
function excerpt(text: string, max = 160): string {
  const oneLine = terminalText(text)
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}
