/**
 * The one verdict on a run. Every surface (the reporter's mark and exit code, `evalgate gate`,
 * `evalgate show`, `evalgate runs`, the native API's pass and evaluation status, Gradient's
 * `pass_status`, the Netra-style results) reads the verdict the server stored; nothing else
 * decides whether a run passes.
 *
 * Rules, in order:
 * 1. A run that is not finalized (status queued, running or evaluating) has no verdict yet
 *    (`passed: null`).
 * 2. A cancelled or failed run never passes, whatever its gate says.
 * 3. A run with 0 items never passes: there was nothing to evaluate.
 * 4. Gate configured: every gate check must hold (the star metric is one of them unless
 *    `gate.requireStar === false`). Failing items, including errored and timed-out ones, inside
 *    an accepted pass rate are excused — but only by a gate that bounds the items' quality (pass
 *    rate, a metric, a run metric or the star). A gate of cost and latency limits alone says
 *    nothing about the items, so every item must still pass, as without a gate.
 * 5. No gate: every item must pass (errored and timed-out items are failing items), and the star
 *    metric, when there is one, must pass.
 */
import type { EvaluationStatus, GateCheck, RunSummary, StarResult, Verdict } from '../schema/api.js'
import { type RunStatus, TERMINAL_RUN_STATUSES } from '../schema/run-status.js'
import { fmt } from './format.js'

/** What the verdict is decided from: the run's status and the counts, gate and star of its summary. */
export interface VerdictRun {
  status: RunStatus
  errorDescription: string | null
  summary: Pick<RunSummary, 'totalItems' | 'failedItems' | 'erroredItems' | 'gate' | 'star'>
}

const FINAL: ReadonlySet<RunStatus> = new Set(TERMINAL_RUN_STATUSES)

export function decideVerdict(run: VerdictRun): Verdict {
  const { summary } = run
  const failingItems = summary.failedItems + summary.erroredItems
  const gated = summary.gate !== null
  const checks: GateCheck[] = []
  const base = { gated, failingItems, totalItems: summary.totalItems }

  if (!FINAL.has(run.status)) {
    const pending = fact('status', false, `the run is not finalized (status ${run.status})`)
    return { ...base, passed: null, checks: [pending], failures: [pending.message], rule: null }
  }
  if (run.status === 'cancelled') checks.push(fact('status', false, 'the run was cancelled'))
  if (run.status === 'failed') checks.push(fact('status', false, failedRunMessage(run)))
  if (summary.totalItems === 0)
    checks.push(fact('items', false, 'the run has no items, so nothing was evaluated'))

  if (summary.gate) {
    checks.push(...summary.gate.checks)
    if (!summary.gate.checks.some(isQualityCheck))
      checks.push(
        failingItemsCheck(
          failingItems,
          summary.totalItems,
          summary.erroredItems,
          'and the gate sets no pass rate or metric threshold that could excuse them',
        ),
      )
  } else {
    checks.push(failingItemsCheck(failingItems, summary.totalItems, summary.erroredItems))
    if (summary.star) checks.push(starCheck(summary.star))
  }
  const failed = checks.filter((c) => !c.passed)
  return {
    ...base,
    passed: failed.length === 0,
    checks,
    failures: failed.map((c) => c.message),
    rule: ruleOf(failed[0], run.status, summary),
  }
}

/** The star metric's result as a check (condition `star`). */
export function starCheck(star: StarResult): GateCheck {
  return {
    condition: 'star',
    actual: star.passed ? 1 : 0,
    expected: 1,
    op: '==',
    passed: star.passed,
    message: `star metric ${star.metric} ${star.passed ? 'passed' : 'failed'} (${star.rule}, value ${fmt(star.value)})`,
  }
}

/**
 * The run's evaluation status (the API field) when no server-side scoring is involved: pending
 * until the verdict exists, then completed. The server sets `running` / `failed` from its scoring.
 */
export function evaluationStatus(verdict: Verdict): EvaluationStatus {
  return verdict.passed === null ? 'pending' : 'completed'
}

/** Messages of the passing checks (e.g. "pass rate 0.92 >= 0.90"). */
export function verdictPasses(verdict: Verdict): string[] {
  return verdict.checks.filter((c) => c.passed).map((c) => c.message)
}

/**
 * One line that explains a verdict to a person, e.g. `gate failed for capitals: pass rate 0.75 < 0.8`,
 * `capitals passed its gate (3 failing items are within it)`, `capitals failed: the run was cancelled`.
 */
export function explainVerdict(suite: string, verdict: Verdict): string {
  if (verdict.passed === null) return `${suite} has no verdict yet: ${verdict.failures.join('; ')}`
  if (verdict.passed) {
    if (!verdict.gated) return `${suite} passed: ${verdictPasses(verdict).join('; ')}`
    return verdict.failingItems > 0
      ? `${suite} passed its gate (${plural(verdict.failingItems, 'failing item')} ${verdict.failingItems === 1 ? 'is' : 'are'} within it)`
      : `${suite} passed its gate`
  }
  const decidedByGate = verdict.gated && verdict.rule?.startsWith('gate:') === true
  return `${decidedByGate ? 'gate failed for' : 'verdict failed for'} ${suite}: ${verdict.failures.join('; ')}`
}

/**
 * One line over several suites' verdicts: the failing suites with why, or, when all pass, how many
 * failing items the gates excused (e.g. `3 failing eval items are within their gates`).
 */
export function explainVerdicts(verdicts: ReadonlyArray<{ suite: string; verdict: Verdict }>): string {
  const failing = verdicts.filter((v) => v.verdict.passed !== true)
  if (failing.length > 0) return failing.map((v) => explainVerdict(v.suite, v.verdict)).join('; ')
  const gated = verdicts.filter((v) => v.verdict.gated)
  const excused = gated.reduce((n, v) => n + v.verdict.failingItems, 0)
  if (excused > 0) {
    const within = gated.length === 1 ? 'its gate' : 'their gates'
    return `${plural(excused, 'failing eval item')} ${excused === 1 ? 'is' : 'are'} within ${within}`
  }
  return verdicts.length === 1 ? `${verdicts[0]!.suite} passed` : `all ${verdicts.length} suites passed`
}

/** Gate conditions that judge the items' quality, and so may excuse failing items. */
function isQualityCheck(check: GateCheck): boolean {
  const c = check.condition
  return c === 'passRate' || c === 'star' || c.startsWith('metrics.') || c.startsWith('runMetrics.')
}

function failedRunMessage(run: VerdictRun): string {
  if (run.errorDescription) return `the run failed: ${run.errorDescription}`
  const { totalItems, erroredItems } = run.summary
  if (totalItems > 0 && erroredItems === totalItems)
    return `the run failed: all ${plural(totalItems, 'item')} errored or timed out`
  return 'the run failed'
}

function failingItemsCheck(
  failing: number,
  total: number,
  errored: number,
  why = 'and no gate is configured',
): GateCheck {
  const passed = failing === 0
  const erroredNote = errored > 0 ? ` (${errored} errored or timed out)` : ''
  return {
    condition: 'failingItems',
    actual: failing,
    expected: 0,
    op: '<=',
    passed,
    message: passed
      ? `all ${plural(total, 'item')} passed`
      : `${failing} of ${plural(total, 'item')} failed${erroredNote} ${why}`,
  }
}

/** A condition that holds or not, with no number to compare (run status, presence of items). */
function fact(condition: string, passed: boolean, message: string): GateCheck {
  return { condition, actual: null, expected: null, op: '==', passed, message }
}

function ruleOf(
  firstFailure: GateCheck | undefined,
  status: RunStatus,
  summary: VerdictRun['summary'],
): string {
  if (firstFailure) {
    if (firstFailure.condition === 'status') return `status:${status}`
    if (firstFailure.condition === 'items') return 'items:none'
    if (summary.gate) return `gate:${firstFailure.condition}`
    if (firstFailure.condition === 'failingItems') return 'items:failing'
    return `star:${summary.star?.rule ?? ''}`
  }
  if (summary.gate) return 'gate'
  return summary.star ? `star:${summary.star.rule}` : 'items'
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
