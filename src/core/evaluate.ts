import { metricDefOf, runEvaluator } from '../evaluators/index.js'
import type { EvalContext, Evaluator } from '../evaluators/types.js'
import type { ItemStatus, ScoreResult } from '../schema/meta.js'
import type { MetricDef } from '../schema/metric.js'

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
 * Runs every evaluator concurrently. Each gets `timeoutMs` (from when evaluation starts); one that
 * runs over is aborted through `ctx.signal` and scored `null` with an error, like one that throws.
 * Never rejects.
 */
export function runEvaluators(
  evaluators: readonly Evaluator[],
  ctx: Omit<EvalContext, 'signal'>,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<ScoreResult[]> {
  if (evaluators.length === 0) return Promise.resolve([])
  return Promise.all(evaluators.map((evaluator) => runOne(evaluator, ctx, timeoutMs, cancel)))
}

function runOne(
  evaluator: Evaluator,
  ctx: Omit<EvalContext, 'signal'>,
  timeoutMs: number,
  cancel: AbortSignal | undefined,
): Promise<ScoreResult> {
  const controller = new AbortController()
  const onCancel = () => controller.abort(cancel?.reason)
  cancel?.addEventListener('abort', onCancel, { once: true })
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<ScoreResult>((resolve) => {
    timer = setTimeout(() => {
      const message = `evaluator timed out after ${timeoutMs} ms`
      controller.abort(new Error(message))
      resolve(unscored(metricOf(evaluator), { error: message, durationMs: performance.now() - started }))
    }, timeoutMs)
  })
  const evaluated = runEvaluator(evaluator, { ...ctx, signal: controller.signal }).catch((thrown: unknown) =>
    // runEvaluator's contract is to never reject; keep the item alive even if it does.
    unscored(metricOf(evaluator), {
      error: thrown instanceof Error ? thrown.message : String(thrown),
      durationMs: performance.now() - started,
    }),
  )
  return Promise.race([evaluated, timedOut]).finally(() => {
    clearTimeout(timer)
    cancel?.removeEventListener('abort', onCancel)
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
