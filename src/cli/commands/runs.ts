import { parseArgs } from 'node:util'
import { pct } from '../../../reporter/summary.js'
import type { Connection } from '../../client/connect.js'
import type { Run } from '../../schema/api.js'
import { type Colors, colorEnabled, terminalColors } from '../../util/colors.js'
import { terminalJson, terminalText } from '../../util/terminal-text.js'
import { CONNECTION_HELP, CONNECTION_OPTIONS, errorLine, openConnection } from './client-args.js'

const HELP = `usage: evalgate runs [options]

Recent runs, grouped by suite, with their pass status.

  --suite <name>    only this suite
  --group <id>      only this run group
  --limit <n>       runs to list (default 30, at most 500)
${CONNECTION_HELP}
`

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      suite: { type: 'string' },
      group: { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const limit = values.limit === undefined ? 30 : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    process.stderr.write(
      `evalgate runs: --limit must be an integer in [1, 500], got ${JSON.stringify(values.limit)}\n`,
    )
    return 2
  }
  let connection: Connection | null = null
  try {
    connection = await openConnection(values, { runJobs: false, createDatabase: false })
    const { runs } = await connection.api.runs.list({
      ...(values.suite ? { suiteName: values.suite } : {}),
      ...(values.group ? { runGroup: values.group } : {}),
      limit,
    })
    if (values.json) {
      process.stdout.write(`${terminalJson({ runs }, 2)}\n`)
      return 0
    }
    process.stdout.write(formatRuns(runs))
    return 0
  } catch (error) {
    process.stderr.write(errorLine('runs', error, connection))
    return 1
  } finally {
    await connection?.close()
  }
}

export function formatRuns(runs: readonly Run[]): string {
  if (runs.length === 0) return 'no runs yet\n'
  const bySuite = new Map<string, Run[]>()
  for (const r of runs) {
    const list = bySuite.get(r.suiteName) ?? []
    list.push(r)
    bySuite.set(r.suiteName, list)
  }
  const out: string[] = []
  const colors = terminalColors(colorEnabled(process.stdout))
  for (const [suite, list] of bySuite) {
    out.push(terminalText(suite))
    const rows = [
      ['', 'run', 'version', 'created', 'status', 'items', 'passed', 'failed', 'pass rate', 'group'],
    ]
    for (const r of list) {
      const { passed } = r.summary.verdict
      const mark = passed === true ? '✓' : passed === false ? '✗' : '·'
      rows.push([
        mark,
        r.id,
        `v${r.suiteVersion}`,
        r.createdAt.replace('T', ' ').slice(0, 19),
        terminalText(r.status),
        String(r.summary.totalItems),
        String(r.summary.passedItems),
        String(r.summary.failedItems),
        pct(r.summary.passRate),
        terminalText(r.runGroup),
      ])
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
    for (const row of rows)
      out.push(
        `  ${row
          .map((cell, c) => (c === 0 ? paintMark(cell.padEnd(widths[c]!), colors) : cell.padEnd(widths[c]!)))
          .join('  ')
          .trimEnd()}`,
      )
    out.push('')
  }
  return `${out.join('\n')}`
}

/** ✓ green, ✗ red, anything else (no verdict yet, the header) as it is. */
function paintMark(cell: string, colors: Colors): string {
  return cell.startsWith('✓') ? colors.green(cell) : cell.startsWith('✗') ? colors.red(cell) : cell
}
