import { containsAny, dataset, describeEval, evaluator, latency, toolCalls } from 'evalgate'
import { chatConfigFromEnv } from './openai-chat.js'
import { answerTicket } from './support-agent.js'

// Runs against any OpenAI-compatible chat-completions endpoint:
//   OPENAI_API_KEY=…  [OPENAI_BASE_URL=https://api.openai.com/v1]  [EVALGATE_MODEL=gpt-4o-mini]
// Without OPENAI_API_KEY the suite is skipped (and says so) so `npm run evals` works offline.
const config = chatConfigFromEnv()
if (!config) {
  console.warn(
    '[examples/llm] support agent suite skipped: set OPENAI_API_KEY (and optionally OPENAI_BASE_URL, ' +
      'EVALGATE_MODEL) to run it against an OpenAI-compatible endpoint.',
  )
}

interface Expected {
  /** Tools the agent should call for this conversation (any order). */
  toolCalls: string[]
  /** The answer should contain at least one of these (case-insensitive). */
  mentionsAny: string[]
}
type Message = { role: 'user' | 'assistant'; content: string }

// Multi-turn: each item's input is the conversation so far; the task produces the next assistant turn.
const tickets = dataset.jsonl<Message[], Expected>(
  'support-tickets',
  new URL('./tickets.jsonl', import.meta.url),
  {
    turnType: 'multi',
  },
)

const mentions = containsAny<Message[], string, string[]>({ caseSensitive: false })

describeEval(
  tickets,
  (conversation, { signal }) => answerTicket(config!, conversation, signal),
  [
    // F1 of the tools called against the expected ones; extra lookups cost a little, a missing one a lot.
    toolCalls({ threshold: 0.6 }),
    // The built-in containsAny, fed the item's `mentionsAny` list instead of the whole expected object.
    evaluator<Message[], string, Expected>(
      'mentions',
      (ctx) => mentions.evaluate({ ...ctx, expected: ctx.expected?.mentionsAny }),
      { threshold: 1 },
    ),
    // Answers must not restate the raw tool output: the system prompt asks for at most four sentences.
    evaluator<Message[], string, Expected>('concise', ({ output }) => {
      const sentences = output.split(/[.!?](?:\s|$)/).filter((s) => s.trim()).length
      return { score: sentences <= 4 ? 1 : 4 / sentences, reason: `${sentences} sentences` }
    }),
    latency({ maxMs: 20_000 }),
  ],
  {
    name: 'support agent (OpenAI-compatible)',
    turnType: 'multi',
    skipIf: config === null,
    concurrency: 4,
    timeout: 60_000,
    // Model answers vary between calls even at temperature 0: three trials per ticket show how stable they are.
    trials: 3,
    star: { metric: 'toolCalls', successThreshold: 0.8 },
    gate: { passRate: 0.8, maxCostUsd: 0.5, metrics: { mentions: { passRate: 0.8 } } },
  },
)
