import type { Run } from '../schema/api.js'
import type { EvalgateApi } from './api.js'

/** How long the reporter and `evalgate gate` wait for server-side evaluators by default: 10 minutes. */
export const DEFAULT_EVALUATION_TIMEOUT_MS = 600_000

/**
 * The wait for server-side evaluation: `EVALGATE_EVALUATION_TIMEOUT_MS` when set, else the default.
 * A value that is not a non-negative integer is an error naming the variable.
 */
export function evaluationTimeoutMs(
  explicit: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (explicit !== undefined) {
    if (!Number.isInteger(explicit) || explicit < 0)
      throw new TypeError(`evaluationTimeoutMs must be a non-negative integer, got ${String(explicit)}`)
    return explicit
  }
  const raw = env.EVALGATE_EVALUATION_TIMEOUT_MS
  if (raw === undefined || raw.trim() === '') return DEFAULT_EVALUATION_TIMEOUT_MS
  if (!/^\d+$/.test(raw.trim()))
    throw new TypeError(
      `EVALGATE_EVALUATION_TIMEOUT_MS must be a non-negative integer of ms, got ${JSON.stringify(raw)}`,
    )
  return Number(raw.trim())
}

/** `600 s`, `1.5 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`
}

/**
 * Waits until the server's evaluators are done with a run (`evaluationStatus` no longer
 * `running`), polling it. Returns the last run read and whether the wait timed out; a timed-out
 * run still has its pending verdict, which never passes.
 */
export async function waitForEvaluation(
  api: EvalgateApi,
  run: Run,
  opts: { timeoutMs: number; pollMs?: number },
): Promise<{ run: Run; timedOut: boolean }> {
  const deadline = Date.now() + opts.timeoutMs
  let current = run
  let delay = Math.min(opts.pollMs ?? 250, 250)
  while (current.evaluationStatus === 'running') {
    const left = deadline - Date.now()
    if (left <= 0) return { run: current, timedOut: true }
    await new Promise((r) => setTimeout(r, Math.min(delay, left)))
    delay = Math.min(delay * 2, opts.pollMs ?? 2000)
    current = await api.runs.get(run.id)
  }
  return { run: current, timedOut: false }
}
