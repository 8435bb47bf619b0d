import type { ResolvedJudgeModel } from './config.js'
import { ModelCallError } from './model-call-error.js'

export { ModelCallError }

/** The slice of a chat-completions response a judge reads. */
export interface ChatReply {
  content: string | null
  toolCalls: { name: string; arguments: string }[]
  usage: { inputTokens: number; outputTokens: number } | null
  /** Model name the endpoint reports (falls back to the requested one). */
  model: string
  latencyMs: number
}

/**
 * One POST to `{baseURL}/chat/completions` through undici. It goes through the global dispatcher,
 * so record/replay (src/replay) sees judge calls like any other; 429, 5xx and network errors are
 * retried by undici's retry interceptor with exponential backoff, honouring `Retry-After`.
 */
export async function chatCompletion(
  settings: ResolvedJudgeModel,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ChatReply> {
  // Loaded on the first model call: the embedded server and the workers import this module without
  // calling a model in most runs, and undici is ~80 CommonJS files.
  const { getGlobalDispatcher, interceptors, request } = await import('undici')
  const dispatcher = getGlobalDispatcher().compose(
    interceptors.retry({
      maxRetries: settings.maxRetries,
      minTimeout: settings.retryDelayMs,
      maxTimeout: Math.max(settings.retryDelayMs, 30_000),
      timeoutFactor: 2,
      methods: ['POST'],
      statusCodes: [429, 500, 502, 503, 504],
      throwOnError: false,
    }),
  )
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...settings.headers,
  }
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`
  const url = `${settings.baseURL}/chat/completions`
  const started = performance.now()
  let status: number
  let text: string
  try {
    const response = await request(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      dispatcher,
      signal,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
    })
    status = response.statusCode
    text = await response.body.text()
  } catch (error) {
    throw new ModelCallError(`POST ${url} failed: ${(error as Error).message}`, null)
  }
  const latencyMs = performance.now() - started
  if (status < 200 || status >= 300) {
    throw new ModelCallError(`POST ${url} answered ${status}: ${errorText(text)}`, status)
  }
  let json: OpenAIResponse
  try {
    json = JSON.parse(text) as OpenAIResponse
  } catch {
    throw new ModelCallError(
      `POST ${url} answered ${status} with a body that is not JSON: ${clip(text)}`,
      status,
    )
  }
  const message = json.choices?.[0]?.message
  if (!message) throw new ModelCallError(`POST ${url}: the response has no choices[0].message`, status)
  const usage = json.usage
  return {
    content: typeof message.content === 'string' ? message.content : null,
    toolCalls: (message.tool_calls ?? [])
      .filter((call) => call?.function && typeof call.function.name === 'string')
      .map((call) => ({ name: call.function.name, arguments: String(call.function.arguments ?? '') })),
    usage:
      usage && typeof usage.prompt_tokens === 'number'
        ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens ?? 0 }
        : null,
    model: typeof json.model === 'string' && json.model ? json.model : settings.model,
    latencyMs,
  }
}

interface OpenAIResponse {
  model?: string
  choices?: {
    message?: {
      content?: string | null
      tool_calls?: { function: { name: string; arguments?: string } }[]
    }
  }[]
  usage?: { prompt_tokens?: number; completion_tokens?: number }
}

function errorText(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown }
    const message =
      typeof parsed.error === 'string'
        ? parsed.error
        : typeof parsed.error?.message === 'string'
          ? parsed.error.message
          : typeof parsed.message === 'string'
            ? parsed.message
            : null
    if (message) return clip(message)
  } catch {}
  return clip(text)
}

export function clip(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max)}…` : flat
}
