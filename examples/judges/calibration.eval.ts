// Judge calibration: before trusting a judge, check it against human labels. Each item is an
// answer that a person labelled `correct` or `incorrect` against a reference (calibration.jsonl,
// written for this project; cal-18 is a deliberate borderline case: true but incomplete). The task
// is the judge itself; the server computes agreement, per-label precision / recall / F1 and
// Cohen's κ over the whole run, and the gate requires κ ≥ 0.6.
import { dataset, describeEval, exactMatch } from 'evalgate'
import { llmJudge } from 'evalgate/judges'
import { exampleModel } from './model.js'

interface Labelled {
  question: string
  reference: string
  answer: string
}

const target = exampleModel('judge calibration suite')

/** The judge under calibration. */
export const correctness = llmJudge<Labelled, unknown, string>({
  name: 'correctness',
  model: target?.judgeModel,
  choices: { correct: 1, incorrect: 0 },
  prompt: `A customer asked a bike shop a question. Decide whether the shop's answer is correct according to the reference answer.
[Question]
{{input.question}}
[Reference answer]
{{input.reference}}
[Answer]
{{input.answer}}

"correct": it states the reference's facts, possibly in other words, and contradicts nothing, leaving out nothing the customer needs.
"incorrect": it contradicts the reference, or leaves out something the customer needs.`,
})

describeEval(
  dataset.jsonl<Labelled, string>('judge-calibration', new URL('./calibration.jsonl', import.meta.url)),
  async (item, { signal }) => {
    // Run the judge on the labelled answer; its choice is this suite's output.
    const verdict = await correctness.evaluate({
      input: item,
      output: item.answer,
      expected: undefined,
      metadata: {},
      tags: [],
      latencyMs: 0,
      usage: null,
      costUsd: null,
      toolCalls: null,
      signal,
    })
    const choice = (verdict as { metadata?: { choice?: unknown } } | null)?.metadata?.choice
    if (typeof choice !== 'string') throw new Error('the judge gave no choice')
    return choice
  },
  [exactMatch({ name: 'agrees' })],
  {
    name: 'judge calibration (correctness vs human labels)',
    skipIf: target === null,
    concurrency: 4,
    timeout: 60_000,
    gate: {
      runMetrics: {
        kappa: { min: 0.6 },
        accuracy: {},
        f1: {},
        incorrectRecall: { type: 'recall', positive: 'incorrect' },
      },
    },
  },
)
