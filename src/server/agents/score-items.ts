import { runEvaluators, unscored } from '../../core/evaluate.js'
import { BUILTINS_BY_NAME } from '../../evaluators/builtins/by-name.js'
import type { Evaluator } from '../../evaluators/types.js'
import type { ItemResult, ScoreResult } from '../../schema/meta.js'
import type { MetricDef } from '../../schema/metric.js'

/** Per-item scoring time limit. */
const EVALUATOR_TIMEOUT_MS = 60_000

/**
 * Scores answered rows with the test case's metrics that the agent run computes itself (the
 * caller leaves out metrics with a server evaluator: the run service scores those in the
 * background). A built-in evaluator scores every completed row with the test case's threshold;
 * any other metric gives each row a null score with an error naming it, so the run ends partially
 * successful rather than silently unscored. Rows the agent did not answer are "not evaluated".
 * `passed` follows the rule of src/core/run-item.ts: completed and no metric failed.
 */
export async function scoreItems(
  items: readonly ItemResult[],
  metrics: readonly MetricDef[],
  signal: AbortSignal,
): Promise<ItemResult[]> {
  const evaluators: Evaluator[] = []
  for (const def of metrics) {
    const factory = BUILTINS_BY_NAME[def.name]
    if (!factory) continue
    try {
      evaluators.push(factory({ threshold: def.threshold }))
    } catch {
      // a threshold the built-in refuses: the metric then scores with an error like an unknown one
    }
  }
  const out: ItemResult[] = []
  for (const item of items) {
    let scores: ScoreResult[]
    if (item.status !== 'completed') {
      const what = item.status === 'timeout' ? 'the agent timed out' : 'the agent failed'
      const reason = `not evaluated: ${what}${item.error ? ` (${item.error.message})` : ''}`
      scores = metrics.map((def) => unscored(def, { reason }))
    } else {
      const computed = await runEvaluators(
        evaluators,
        {
          input: item.input,
          output: item.output,
          expected: item.expected,
          metadata: item.metadata,
          tags: item.tags,
          latencyMs: item.latencyMs,
          usage: item.usage,
          costUsd: item.costUsd,
          toolCalls: item.toolCalls,
        },
        EVALUATOR_TIMEOUT_MS,
        signal,
      )
      const byName = new Map(computed.map((s) => [s.metric, s]))
      scores = metrics.map(
        (def) =>
          byName.get(def.name) ??
          unscored(def, {
            error: `metric ${JSON.stringify(def.name)} cannot be computed by the server (it is not a built-in evaluator)`,
          }),
      )
    }
    out.push({
      ...item,
      scores,
      passed: item.status === 'completed' && !scores.some((s) => s.passed === false),
    })
  }
  return out
}
