// The endpoint the judge examples use: any OpenAI-compatible chat-completions API, configured by
//   OPENAI_API_KEY=…  [OPENAI_BASE_URL=https://api.openai.com/v1]  [EVALGATE_MODEL=gpt-4o-mini]
//   [EVALGATE_JUDGE_MODEL=… (default: EVALGATE_MODEL)]
// Without OPENAI_API_KEY the suites are skipped, and say so, so `npm run evals` works offline.
import OpenAI from 'openai'

export interface ExampleModel {
  client: OpenAI
  /** Model of the task under evaluation. */
  model: string
  /** Model of the judges. */
  judgeModel: string
}

export function exampleModel(suite: string): ExampleModel | null {
  const apiKey = process.env.OPENAI_API_KEY
  if (!apiKey) {
    console.warn(
      `[examples/judges] ${suite} skipped: set OPENAI_API_KEY (and optionally OPENAI_BASE_URL, EVALGATE_MODEL, ` +
        'EVALGATE_JUDGE_MODEL) to run it against an OpenAI-compatible endpoint.',
    )
    return null
  }
  const model = process.env.EVALGATE_MODEL ?? 'gpt-4o-mini'
  return {
    client: new OpenAI({
      apiKey,
      baseURL: process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
      maxRetries: 3,
    }),
    model,
    judgeModel: process.env.EVALGATE_JUDGE_MODEL ?? model,
  }
}

/** One chat turn at temperature 0; the answer text and its token usage. */
export async function complete(
  target: ExampleModel,
  system: string,
  user: string,
  signal: AbortSignal,
): Promise<{ output: string; usage: { inputTokens: number; outputTokens: number } }> {
  const completion = await target.client.chat.completions.create(
    {
      model: target.model,
      temperature: 0,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
    },
    { signal },
  )
  return {
    output: completion.choices[0]?.message.content?.trim() ?? '',
    usage: {
      inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0,
    },
  }
}
