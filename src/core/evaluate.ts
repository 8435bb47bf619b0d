import { metricDefOf, runEvaluator } from '../evaluators/index.js'
import type { EvalContext, Evaluator } from '../evaluators/types.js'
import type { ItemStatus, ScoreResult } from '../schema/meta.js'
import type { MetricDef } from '../schema/metric.js'
import { onAbort } from './on-abort.js'

const metricDefs = new WeakMap<Evaluator, MetricDef>()

/** The evaluator's metric definition, computed once per evaluator. */
export function metricOf(evaluator: Evaluator): MetricDef {
  const known = metricDefs.get(evaluator)
  if (known) return known
  const def = metricDefOf(evaluator)
  metricDefs.set(evaluator, def)
  return def
}

/**
 * Runs every evaluator concurrently. Evaluation gets `timeoutMs` (from when it starts); an evaluator
 * still running then is aborted through `ctx.signal` and scored `null` with an error, like one that
 * throws. Never rejects; results are in the evaluators' order.
 */
export function runEvaluators(
  evaluators: readonly Evaluator[],
  ctx: Omit<EvalContext, 'signal'>,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<ScoreResult[]> {
  if (evaluators.length === 0) return Promise.resolve([])
  const abort = new AbortController()
  const context: EvalContext = { ...ctx, signal: abort.signal }
  const started = performance.now()
  return new Promise<ScoreResult[]>((resolve) => {
    const results: (ScoreResult | undefined)[] = new Array(evaluators.length)
    let pending = evaluators.length
    let settled = false
    let unsubscribe: (() => void) | undefined
    const finish = () => {
      settled = true
      clearTimeout(timer)
      unsubscribe?.()
      resolve(results as ScoreResult[])
    }
    const giveUp = (error: string, reason: unknown) => {
      abort.abort(reason)
      const durationMs = performance.now() - started
      evaluators.forEach((evaluator, i) => {
        results[i] ??= unscored(metricOf(evaluator), { error, durationMs })
      })
      finish()
    }
    const onCancel = () => giveUp('evaluation cancelled', cancel?.reason)
    const timer = setTimeout(() => {
      const message = `evaluator timed out after ${timeoutMs} ms`
      giveUp(message, new Error(message))
    }, timeoutMs)
    if (cancel) unsubscribe = onAbort(cancel, onCancel)
    evaluators.forEach((evaluator, i) => {
      runEvaluator(evaluator, context)
        .catch((thrown: unknown) =>
          // runEvaluator's contract is to never reject; keep the item alive even if it does.
          unscored(metricOf(evaluator), {
            error: thrown instanceof Error ? thrown.message : String(thrown),
            durationMs: performance.now() - started,
          }),
        )
        .then((result) => {
          if (settled) return
          results[i] = result
          if (--pending === 0) finish()
        })
    })
  })
}

/**
 * A score with no value. With `error` it counts as a failure of a thresholded metric (the metric
 * could not confirm the item); without (`reason` only) it is "not evaluated" and passes nothing.
 */
export function unscored(
  def: MetricDef,
  fields: { error?: string; reason?: string; durationMs?: number },
): ScoreResult {
  const result: ScoreResult = {
    metric: def.name,
    score: null,
    passed: fields.error !== undefined && def.threshold !== null ? false : null,
    threshold: def.threshold,
    inverted: def.inverted,
    durationMs: fields.durationMs ?? 0,
  }
  if (fields.reason !== undefined) result.reason = fields.reason
  if (fields.error !== undefined) result.error = fields.error
  return result
}

/** The scores of an item whose task did not complete: one `null` score per metric, not evaluated. */
export function notEvaluated(
  evaluators: readonly Evaluator[],
  status: Exclude<ItemStatus, 'completed'>,
): ScoreResult[] {
  const reason = status === 'timeout' ? 'not evaluated: the task timed out' : 'not evaluated: the task failed'
  return evaluators.map((evaluator) => unscored(metricOf(evaluator), { reason }))
}
