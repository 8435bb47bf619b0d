// Pairwise: a new, terse support prompt against the answers of the old, chatty one (kept in each
// item's `expected`). The judge sees both orders (new first, then old first); the new answer
// scores 1 only when it wins both, 0 when it loses both, 0.5 when the judge flips with the order.
import { dataset, describeEval } from 'evalgate'
import { pairwise } from 'evalgate/judges'
import { complete, exampleModel } from './model.js'

const target = exampleModel('pairwise suite')
const NEW_PROMPT =
  'You answer bike-shop customer questions. Give the policy in one or two plain sentences, with the numbers that matter. No greetings.'

describeEval(
  dataset.jsonl<string, string>('pairwise-questions', new URL('./pairwise-questions.jsonl', import.meta.url)),
  (question, { signal }) => complete(target!, NEW_PROMPT, question, signal),
  [
    pairwise({
      model: target?.judgeModel,
      criteria:
        'Which reply is the better customer-support answer: correct, direct, and quick to read? Do not reward length or politeness padding.',
    }),
  ],
  {
    name: 'terse prompt vs chatty prompt (pairwise)',
    skipIf: target === null,
    concurrency: 2,
    timeout: 60_000,
    star: { metric: 'pairwise', successThreshold: 0.5 },
    gate: { metrics: { pairwise: { mean: 0.5 } } },
  },
)
