import { ModelCallError } from './model-call-error.js'
import type { ChatReply } from './openai-compatible.js'

/**
 * The slice of a Vercel AI SDK language model (provider specification v2 or v3, e.g.
 * `openai('gpt-4o-mini')`, `anthropic(…)`, `createOpenAICompatible(…)(…)`) that a judge uses. No
 * import of `ai` is needed: judges call the model's `doGenerate` the way `generateText` does.
 */
export interface AiSdkLanguageModel {
  readonly specificationVersion: string
  readonly provider: string
  readonly modelId: string
  doGenerate(options: unknown): PromiseLike<unknown>
}

export function isAiSdkModel(value: unknown): value is AiSdkLanguageModel {
  const candidate = value as Partial<AiSdkLanguageModel> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.doGenerate === 'function' &&
    typeof candidate.modelId === 'string' &&
    typeof candidate.specificationVersion === 'string'
  )
}

interface ChatBody {
  temperature?: number
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[]
  tools?: { function: { name: string; description?: string; parameters: unknown } }[]
  response_format?: { type: string }
}

interface GenerateResult {
  content?: { type: string; text?: string; toolName?: string; input?: unknown; args?: unknown }[]
  usage?: { inputTokens?: number | { total?: number }; outputTokens?: number | { total?: number } }
  response?: { modelId?: string }
}

/**
 * One judge call through an AI SDK model: the chat-completions body a judge builds, translated to
 * the provider specification's call options (system/user/assistant prompt, function tools with a
 * forced tool choice, JSON response format). 429, 5xx and retryable errors are retried with backoff.
 */
export async function aiSdkCompletion(
  model: AiSdkLanguageModel,
  body: ChatBody,
  retry: { maxRetries: number; retryDelayMs: number },
  signal?: AbortSignal,
): Promise<ChatReply> {
  const tool = body.tools?.[0]?.function
  const options = {
    prompt: body.messages.map((message) =>
      message.role === 'system'
        ? { role: 'system', content: message.content }
        : { role: message.role, content: [{ type: 'text', text: message.content }] },
    ),
    temperature: body.temperature,
    ...(tool
      ? {
          tools: [
            {
              type: 'function',
              name: tool.name,
              description: tool.description,
              inputSchema: tool.parameters,
            },
          ],
          toolChoice: { type: 'tool', toolName: tool.name },
        }
      : {}),
    ...(body.response_format?.type === 'json_object' ? { responseFormat: { type: 'json' } } : {}),
    ...(signal ? { abortSignal: signal } : {}),
  }
  const started = performance.now()
  let result: GenerateResult
  for (let attempt = 0; ; attempt++) {
    try {
      result = (await model.doGenerate(options)) as GenerateResult
      break
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode
      const retryable =
        (error as { isRetryable?: unknown }).isRetryable === true ||
        status === 429 ||
        (typeof status === 'number' && status >= 500)
      if (!retryable || attempt >= retry.maxRetries || signal?.aborted) {
        throw new ModelCallError(
          `${model.provider} ${model.modelId}: ${(error as Error).message}`,
          typeof status === 'number' ? status : null,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, retry.retryDelayMs * 2 ** attempt))
    }
  }
  const parts = result.content ?? []
  const text = parts.filter((part) => part.type === 'text').map((part) => part.text ?? '')
  const count = (value: number | { total?: number } | undefined) =>
    typeof value === 'number' ? value : (value?.total ?? 0)
  return {
    content: text.length ? text.join('') : null,
    toolCalls: parts
      .filter((part) => part.type === 'tool-call')
      .map((part) => {
        const input = part.input ?? part.args
        return {
          name: part.toolName ?? '',
          arguments: typeof input === 'string' ? input : JSON.stringify(input ?? null),
        }
      }),
    usage: result.usage
      ? { inputTokens: count(result.usage.inputTokens), outputTokens: count(result.usage.outputTokens) }
      : null,
    model: result.response?.modelId || model.modelId,
    latencyMs: performance.now() - started,
  }
}
