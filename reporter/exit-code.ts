/**
 * The exit-code rules. Vitest has already set `process.exitCode = 1` from the test results before
 * `onTestRunEnd`; the reporter recomputes it, because a configured gate is authoritative for its
 * suite's eval tests: failing items inside an accepted pass rate must not fail the run. Where the
 * server's verdict was fetched, it alone decides for the suite (src/gate/verdict.ts).
 */
import { explainVerdict } from '../src/gate/index.js'
import type { Verdict } from '../src/schema/api.js'

export type SuiteGateOutcome =
  /** The server's verdict was fetched: it decides for the suite's eval tests. */
  | { kind: 'checked'; verdict: Verdict }
  /** The server could not be reached or failed: items are in the outbox, no verdict. */
  | { kind: 'unchecked'; gated: boolean; error: string }
  /** Sharded run: the verdict is asserted later with `evalgate gate --group`. */
  | { kind: 'deferred'; gated: boolean }

export interface SuiteOutcome {
  name: string
  /** Eval tests (items × trials) of this suite that Vitest marked failed. */
  failedTests: number
  gate: SuiteGateOutcome
}

export interface RunOutcome {
  /** Vitest's `TestRunEndReason`. */
  reason: 'passed' | 'interrupted' | 'failed'
  unhandledErrors: number
  /** Errors outside any test: module/collection failures, failing hooks of suites. */
  moduleErrors: number
  /** Failed tests that carry no evalgate payload. */
  nonEvalFailures: number
  /** Tests whose evalgate payload failed its schema. */
  invalidPayloads: number
  suites: SuiteOutcome[]
  onServerError: 'fail' | 'warn'
  /** The exit code Vitest set before this hook, if any. */
  previousExitCode: number | undefined
}

export interface ExitDecision {
  exitCode: number
  /** Why the run fails (empty when it passes). */
  reasons: string[]
  warnings: string[]
}

export function decideExitCode(outcome: RunOutcome): ExitDecision {
  const reasons: string[] = []
  const warnings: string[] = []
  if (outcome.reason === 'interrupted') reasons.push('the test run was interrupted')
  if (outcome.unhandledErrors > 0) reasons.push(plural(outcome.unhandledErrors, 'unhandled error'))
  if (outcome.moduleErrors > 0) reasons.push(plural(outcome.moduleErrors, 'module or suite error'))
  if (outcome.nonEvalFailures > 0) reasons.push(plural(outcome.nonEvalFailures, 'failed non-eval test'))
  if (outcome.invalidPayloads > 0) reasons.push(plural(outcome.invalidPayloads, 'invalid evalgate payload'))
  for (const suite of outcome.suites) {
    const { gate } = suite
    const failedItems =
      suite.failedTests > 0 ? `${plural(suite.failedTests, 'failed item')} in ${suite.name}` : ''
    if (gate.kind === 'checked') {
      if (gate.verdict.passed !== true) reasons.push(explainVerdict(suite.name, gate.verdict))
    } else if (gate.kind === 'unchecked') {
      const message = `gate of ${suite.name} could not be checked: ${gate.error}`
      if (outcome.onServerError === 'fail') reasons.push(message)
      else warnings.push(message)
      // Without a verdict, failed items cannot be excused.
      if (failedItems) reasons.push(failedItems)
    } else if (!gate.gated && failedItems) {
      reasons.push(`${failedItems} (no gate configured)`)
    }
  }
  // Anything Vitest failed the run for that we cannot see (e.g. coverage set-up) stays failed.
  const unexplained =
    outcome.reason === 'failed' &&
    outcome.previousExitCode !== undefined &&
    outcome.previousExitCode !== 0 &&
    reasons.length === 0 &&
    !outcome.suites.some((s) => s.failedTests > 0)
  if (unexplained) reasons.push('Vitest reported a failure')
  return { exitCode: reasons.length > 0 ? 1 : 0, reasons, warnings }
}

/**
 * The line that ends every run with eval suites: the exit code and why, reconciling Vitest's failed
 * count with the verdicts, e.g. `evalgate: exit 0 — 4 gates passed; 21 failed eval tests are within
 * their gates` or `evalgate: exit 1 — gate failed for capitals: pass rate 0.75 < 0.8; 1 failed
 * non-eval test`.
 */
export function closingLine(outcome: RunOutcome, decision: ExitDecision): string {
  if (decision.exitCode !== 0) return `evalgate: exit ${decision.exitCode} — ${decision.reasons.join('; ')}`
  const parts: string[] = []
  const checked = outcome.suites.flatMap((s) =>
    s.gate.kind === 'checked' ? [{ ...s, verdict: s.gate.verdict }] : [],
  )
  const gated = checked.filter((s) => s.verdict.gated)
  const ungated = checked.filter((s) => !s.verdict.gated)
  if (gated.length > 0) parts.push(`${plural(gated.length, 'gate')} passed`)
  if (ungated.length > 0) parts.push(`${plural(ungated.length, 'suite')} without a gate passed`)
  const deferred = outcome.suites.filter((s) => s.gate.kind === 'deferred').length
  if (deferred > 0) parts.push(`${plural(deferred, 'suite')} to be gated once every shard is in`)
  const unchecked = outcome.suites.filter((s) => s.gate.kind === 'unchecked').length
  if (unchecked > 0) parts.push(`${plural(unchecked, 'suite')} not checked (EVALGATE_ON_SERVER_ERROR=warn)`)
  const excused = gated.reduce((n, s) => n + s.failedTests, 0)
  if (excused > 0) {
    const verb = excused === 1 ? 'is' : 'are'
    parts.push(
      `${plural(excused, 'failed eval test')} ${verb} within ${gated.length === 1 ? 'its gate' : 'their gates'}`,
    )
  }
  return `evalgate: exit 0 — ${parts.length > 0 ? parts.join('; ') : 'no eval suite ran'}`
}

/** The closing line as a GitHub Actions workflow command (an annotation on the run's page). */
export function githubAnnotation(line: string, exitCode: number): string {
  const escaped = line.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
  return `::${exitCode === 0 ? 'notice' : 'error'} title=evalgate::${escaped}`
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
