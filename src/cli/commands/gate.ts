import { parseArgs } from 'node:util'
import type { Connection } from '../../client/connect.js'
import { evaluationTimeoutMs, seconds, waitForEvaluation } from '../../client/evaluation.js'
import { verdictPasses } from '../../gate/index.js'
import type { Run } from '../../schema/api.js'
import { type Colors, colorEnabled, terminalColors } from '../../util/colors.js'
import { terminalJson, terminalText } from '../../util/terminal-text.js'
import { CONNECTION_HELP, CONNECTION_OPTIONS, errorLine, openConnection } from './client-args.js'

const HELP = `usage: evalgate gate --group <id> [options]

Asserts the gate of every run in a run group (e.g. once all shards of a CI build are in):
finalizes each run (recomputing its summary from every item uploaded by every shard), then
exits 0 when all pass, 1 when any fails, printing the failing conditions. The verdict is the
server's: a failed or cancelled run, or one with no items, never passes; a suite without a
gate fails when any of its items failed, errored or timed out.

  --group <id>      the run group (EVALGATE_RUN_GROUP of the shards; default EVALGATE_RUN_GROUP)
  --suite <name>    only this suite
  --no-finalize     read the runs as they are
  --evaluation-timeout <ms>  how long to wait for the server's evaluators (suites with server-side
                    metrics) before their runs fail with a pending verdict (default
                    EVALGATE_EVALUATION_TIMEOUT_MS, else 600000)
${CONNECTION_HELP}
`

export interface GateResult {
  suite: string
  suiteVersion: number
  runId: string
  passed: boolean
  gated: boolean
  failures: string[]
  passes: string[]
  totalItems: number
  passedItems: number
  /** Failing items: failed, errored or timed out. */
  failedItems: number
  /** Server-side evaluation status of the run. */
  evaluationStatus: Run['evaluationStatus']
  notes: string[]
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      group: { type: 'string' },
      suite: { type: 'string' },
      'no-finalize': { type: 'boolean' },
      'evaluation-timeout': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const group = values.group ?? process.env.EVALGATE_RUN_GROUP
  if (!group) {
    process.stderr.write('evalgate gate: --group <id> is required (or set EVALGATE_RUN_GROUP)\n')
    return 2
  }
  let timeoutMs: number
  try {
    const flag = values['evaluation-timeout']
    if (flag !== undefined && !/^\d+$/.test(flag))
      throw new Error(
        `--evaluation-timeout must be a non-negative integer of ms, got ${JSON.stringify(flag)}`,
      )
    timeoutMs = evaluationTimeoutMs(flag === undefined ? undefined : Number(flag))
  } catch (error) {
    process.stderr.write(`evalgate gate: ${(error as Error).message}\n`)
    return 2
  }
  let connection: Connection | null = null
  try {
    connection = await openConnection(values, { createDatabase: false })
    const { api } = connection
    const { runs } = await api.runs.list({
      runGroup: group,
      limit: 500,
      ...(values.suite ? { suiteName: values.suite } : {}),
    })
    if (runs.length === 0) {
      process.stderr.write(
        `evalgate gate: no runs in group ${terminalJson(group)}${values.suite ? ` for suite ${terminalText(values.suite)}` : ''} at ${terminalText(connection.url)}\n`,
      )
      return 1
    }
    const fresh: Run[] = []
    for (const r of runs) fresh.push(values['no-finalize'] ? r : await api.runs.finalize(r.id))
    fresh.sort((a, b) => a.suiteName.localeCompare(b.suiteName) || a.suiteVersion - b.suiteVersion)
    // the server's evaluators still scoring: their verdicts wait, and so does the gate (one deadline)
    const evaluating = fresh.filter((r) => r.evaluationStatus === 'running')
    const timedOut = new Set<string>()
    if (evaluating.length > 0) {
      process.stderr.write(
        `evalgate gate: waiting for the server's evaluators on ${evaluating.length} run${evaluating.length === 1 ? '' : 's'} (timeout ${seconds(timeoutMs)})\n`,
      )
      const deadline = Date.now() + timeoutMs
      for (let i = 0; i < fresh.length; i++) {
        if (fresh[i]!.evaluationStatus !== 'running') continue
        const waited = await waitForEvaluation(api, fresh[i]!, {
          timeoutMs: Math.max(0, deadline - Date.now()),
        })
        fresh[i] = waited.run
        if (waited.timedOut) timedOut.add(waited.run.id)
      }
    }
    const results = fresh.map((r) => {
      const result = gateResult(r)
      if (timedOut.has(r.id))
        result.failures = [
          `server-side evaluation did not finish within ${seconds(timeoutMs)} (evaluationStatus still running)`,
        ]
      else if (r.evaluationStatus === 'failed')
        result.notes.push('some server-side scores could not be computed (evaluationStatus failed)')
      return result
    })
    const ok = results.every((r) => r.passed)
    if (values.json) {
      process.stdout.write(`${terminalJson({ group, passed: ok, runs: results }, 2)}\n`)
    } else {
      const colors = terminalColors(colorEnabled(process.stdout))
      for (const r of results) process.stdout.write(`${formatGateResult(r, colors)}\n`)
      process.stdout.write(
        ok
          ? `evalgate gate: group ${terminalText(group)}: all ${results.length} runs pass\n`
          : `evalgate gate: group ${terminalText(group)}: ${results.filter((r) => !r.passed).length} of ${results.length} runs FAIL\n`,
      )
    }
    return ok ? 0 : 1
  } catch (error) {
    process.stderr.write(errorLine('gate', error, connection))
    return 1
  } finally {
    await connection?.close()
  }
}

export function gateResult(run: Run): GateResult {
  const { verdict } = run.summary
  const s = run.summary
  return {
    suite: run.suiteName,
    suiteVersion: run.suiteVersion,
    runId: run.id,
    passed: verdict.passed === true,
    gated: verdict.gated,
    failures: verdict.failures,
    passes: verdictPasses(verdict),
    totalItems: s.totalItems,
    passedItems: s.passedItems,
    failedItems: s.failedItems + s.erroredItems,
    evaluationStatus: run.evaluationStatus,
    notes: [],
  }
}

function formatGateResult(r: GateResult, colors: Colors): string {
  const notes = r.notes.map((n) => `\n    note: ${terminalText(n)}`).join('')
  const head = `${r.passed ? colors.green('✓') : colors.red('✗')} ${terminalText(r.suite)} (v${r.suiteVersion}) run ${r.runId}: ${r.totalItems} items, ${r.passedItems} passed, ${r.failedItems} failed${notes}`
  if (!r.passed) return `${head}\n    ${colors.red(`FAILED: ${terminalText(r.failures.join('; '))}`)}`
  return r.passes.length ? `${head}\n    passed: ${terminalText(r.passes.join('; '))}` : head
}
