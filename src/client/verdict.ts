import type { Run } from '../schema/api.js'

/** The gate's verdict on one fetched run, as the server computed it. */
export interface RunVerdict {
  /** A gate is configured for the suite: it decides for the suite's eval tests. */
  gated: boolean
  /**
   * The server's pass status (gate and star metric). `null` when there is neither, or when the run
   * is not finalized yet.
   */
  passed: boolean | null
  /** Failing conditions, spelled out (e.g. "pass rate 0.82 < 0.90"). */
  failures: string[]
  /** Passing conditions, spelled out. */
  passes: string[]
}

export function runVerdict(run: Run): RunVerdict {
  const { summary } = run
  const failures: string[] = []
  const passes: string[] = []
  for (const check of summary.gate?.checks ?? []) (check.passed ? passes : failures).push(check.message)
  const star = summary.star
  const starCounts = star !== null && (summary.passRule?.includes('star') ?? false)
  if (star && starCounts && !summary.gate?.checks.some((c) => c.condition === 'star')) {
    const text = `star metric ${star.metric} ${formatNumber(star.value)} (${star.rule})`
    ;(star.passed ? passes : failures).push(text)
  }
  const passed = summary.passStatus
  if (passed === false && failures.length === 0)
    failures.push(`pass status false (${summary.passRule ?? 'server rule'})`)
  return { gated: summary.gate !== null, passed, failures, passes }
}

function formatNumber(value: number | null): string {
  return value === null ? 'n/a' : String(Math.round(value * 1000) / 1000)
}
