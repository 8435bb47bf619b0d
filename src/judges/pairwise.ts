import { defineEvaluator, markFactory } from '../evaluators/define.js'
import type { EvalContext, Evaluator } from '../evaluators/types.js'
import type { JudgeOptions } from './builtins.js'
import { JudgeError } from './classify.js'
import { DEFAULT_SYSTEM, judgeRunner, scoreOf, type Vote } from './llm-judge.js'
import { asText } from './template.js'

export interface PairwiseOptions extends JudgeOptions {
  /** The response the output competes with; default the item's `expected`. */
  baseline?: (ctx: EvalContext) => unknown
  /** What makes one response better. Default: more helpful, correct and complete for the input. */
  criteria?: string
}

/**
 * Output (A) against a baseline (B), asked in both orders to cancel the judge's position bias:
 * the output scores 1 when it wins both orders, 0 when it loses both, and 0.5 when the orders
 * disagree or either says tie. Both verdicts are kept in the metadata.
 */
export const pairwise = markFactory(function pairwise<I = unknown, O = unknown, E = unknown>(
  options: PairwiseOptions = {},
): Evaluator<I, O, E> {
  const name = options.name ?? 'pairwise'
  const criteria = options.criteria ?? 'Which response is more helpful, correct and complete for the input?'
  const ask = judgeRunner({
    name,
    labels: ['A', 'B', 'tie'],
    system: DEFAULT_SYSTEM,
    model: options.model,
    reasoning: options.reasoning ?? true,
    samples: options.samples ?? 1,
    temperature: (options.samples ?? 1) > 1 ? 1 : 0,
  })
  const prompt = (
    input: unknown,
    a: unknown,
    b: unknown,
  ) => `You are comparing two responses to the same input.
[Input]
${asText(input)}
[Response A]
${asText(a)}
[Response B]
${asText(b)}
[Question]
${criteria}

The order of the responses is arbitrary; do not let it, or their length, sway you. Choose A, B, or tie when neither is better.`
  return defineEvaluator<I, O, E>({
    name,
    threshold: options.threshold ?? null,
    async evaluate(ctx) {
      const baseline = options.baseline ? options.baseline(ctx as EvalContext) : ctx.expected
      if (baseline === undefined || baseline === null) {
        throw new JudgeError(
          `judge "${name}" needs a baseline: the item's expected answer, or { baseline: (ctx) => … }`,
        )
      }
      const [outputFirst, baselineFirst] = await Promise.all([
        ask(prompt(ctx.input, ctx.output, baseline), ctx.signal),
        ask(prompt(ctx.input, baseline, ctx.output), ctx.signal),
      ])
      const wins = Number(outputFirst.choice === 'A') + Number(baselineFirst.choice === 'B')
      const losses = Number(outputFirst.choice === 'B') + Number(baselineFirst.choice === 'A')
      const score = wins === 2 ? 1 : losses === 2 ? 0 : 0.5
      const outcome = score === 1 ? 'output' : score === 0 ? 'baseline' : 'tie'
      const combined: Vote = {
        ...outputFirst,
        choice: outcome,
        rationale: `output shown first: ${outputFirst.choice}${outputFirst.rationale ? ` (${outputFirst.rationale})` : ''}; baseline shown first: ${baselineFirst.choice}${baselineFirst.rationale ? ` (${baselineFirst.rationale})` : ''}`,
        inputTokens: outputFirst.inputTokens + baselineFirst.inputTokens,
        outputTokens: outputFirst.outputTokens + baselineFirst.outputTokens,
        costUsd:
          outputFirst.costUsd === null || baselineFirst.costUsd === null
            ? null
            : outputFirst.costUsd + baselineFirst.costUsd,
        latencyMs: Math.max(outputFirst.latencyMs, baselineFirst.latencyMs),
        attempts: outputFirst.attempts + baselineFirst.attempts,
      }
      delete combined.votes
      delete combined.agreement
      return scoreOf(combined, score, {
        outputFirst: outputFirst.choice,
        baselineFirst: baselineFirst.choice,
        consistent:
          wins === 2 || losses === 2 || (outputFirst.choice === 'tie' && baselineFirst.choice === 'tie'),
      })
    },
  })
})
