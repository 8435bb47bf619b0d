// A minimal client of the OpenAI-compatible chat-completions API (OpenAI, Azure OpenAI's v1 API,
// DigitalOcean Gradient, OpenRouter, vLLM, Ollama, llama.cpp server, …), with tool calls.

export interface ChatConfig {
  baseUrl: string
  apiKey: string
  model: string
}

/** The endpoint configured by environment variables, or null when no key is set. */
export function chatConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ChatConfig | null {
  const apiKey = env.OPENAI_API_KEY
  if (!apiKey) return null
  return {
    baseUrl: (env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/+$/, ''),
    apiKey,
    model: env.EVALGATE_MODEL ?? 'gpt-4o-mini',
  }
}

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string }

export interface WireToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export interface ToolSpec {
  type: 'function'
  function: { name: string; description: string; parameters: Record<string, unknown> }
}

export interface ChatCompletion {
  message: Extract<ChatMessage, { role: 'assistant' }>
  usage: { inputTokens: number; outputTokens: number }
}

/** One chat-completions call. Throws with the status and body excerpt on a non-2xx answer. */
export async function chatCompletion(
  config: ChatConfig,
  request: { messages: ChatMessage[]; tools?: ToolSpec[]; temperature?: number },
  signal: AbortSignal,
): Promise<ChatCompletion> {
  const response = await fetch(`${config.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: config.model, ...request }),
    signal,
  })
  const text = await response.text()
  if (!response.ok) {
    throw new Error(
      `chat completion failed: HTTP ${response.status} from ${config.baseUrl}: ${text.slice(0, 500)}`,
    )
  }
  // The body is untrusted: check the few fields we read instead of trusting its shape.
  const body = JSON.parse(text) as {
    choices?: { message?: { content?: unknown; tool_calls?: unknown } }[]
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown }
  }
  const message = body.choices?.[0]?.message
  if (!message) throw new Error(`chat completion without choices[0].message: ${text.slice(0, 500)}`)
  const toolCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as WireToolCall[]) : undefined
  return {
    message: {
      role: 'assistant',
      content: typeof message.content === 'string' ? message.content : null,
      ...(toolCalls?.length ? { tool_calls: toolCalls } : {}),
    },
    usage: {
      inputTokens: toCount(body.usage?.prompt_tokens),
      outputTokens: toCount(body.usage?.completion_tokens),
    },
  }
}

function toCount(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0
}

// USD per million tokens (input, output), for the cost column. Override with EVALGATE_PRICE_IN/OUT.
const PRICES: Record<string, [number, number]> = {
  'gpt-4o-mini': [0.15, 0.6],
  'gpt-4o': [2.5, 10],
  'gpt-4.1-mini': [0.4, 1.6],
  'gpt-4.1-nano': [0.1, 0.4],
}

/** Cost in USD of the given usage, or undefined when the model's price is unknown. */
export function costOf(
  model: string,
  usage: { inputTokens: number; outputTokens: number },
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  const override =
    env.EVALGATE_PRICE_IN && env.EVALGATE_PRICE_OUT
      ? ([Number(env.EVALGATE_PRICE_IN), Number(env.EVALGATE_PRICE_OUT)] as [number, number])
      : undefined
  const price = override ?? PRICES[model]
  if (!price?.every(Number.isFinite)) return undefined
  return (usage.inputTokens * price[0] + usage.outputTokens * price[1]) / 1_000_000
}
