import { randomSpanId, randomTraceId } from '../../core/ids.js'
import { chatCompletion } from '../../judges/openai-compatible.js'
import type { JsonValue } from '../../schema/common.js'
import type { ItemResult } from '../../schema/meta.js'
import type { AgentEndpoint } from './agents.js'

/** One dataset row as an agent run sees it. */
export interface AgentRow {
  itemId: string
  index: number
  input: JsonValue
  expected?: JsonValue
  tags: string[]
  metadata: Record<string, JsonValue>
}

interface ChatMessage {
  role: string
  content: string
}

/** Input fields read as the user's message, in this order, when the input is an object. */
export const PROMPT_FIELDS = ['query', 'prompt', 'input', 'question', 'text', 'message'] as const

/**
 * The chat messages for a row: a string input is the user message; an object with a `messages`
 * array of `{role, content}` is sent as is; an object with one of PROMPT_FIELDS as a string (a
 * Gradient CSV's `query` cell is a JSON object) sends that string; anything else is sent as its
 * JSON text. The agent's system prompt, when set, goes first.
 */
export function messagesFor(input: JsonValue, systemPrompt: string | null): ChatMessage[] {
  const messages: ChatMessage[] = systemPrompt ? [{ role: 'system', content: systemPrompt }] : []
  if (typeof input === 'string') return [...messages, { role: 'user', content: input }]
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const list = input.messages
    if (Array.isArray(list) && list.length > 0 && list.every(isChatMessage))
      return [...messages, ...(list as unknown as ChatMessage[])]
    for (const field of PROMPT_FIELDS) {
      const value = input[field]
      if (typeof value === 'string') return [...messages, { role: 'user', content: value }]
    }
  }
  return [...messages, { role: 'user', content: JSON.stringify(input) }]
}

function isChatMessage(m: JsonValue): boolean {
  return (
    m !== null &&
    typeof m === 'object' &&
    !Array.isArray(m) &&
    typeof m.role === 'string' &&
    typeof m.content === 'string'
  )
}

/**
 * Sends one row to the agent (one chat completion) and returns the row's result without scores.
 * Never throws: an HTTP error, a bad body or a timeout gives a `failed` / `timeout` item with the
 * error kept. The call goes through undici's global dispatcher like the judges' (so the replay
 * layer, when installed, records or answers it); `timeoutMs` bounds the whole call, retries
 * included. `signal` aborts it (a cancelled run).
 */
export async function callAgent(
  agent: AgentEndpoint,
  row: AgentRow,
  signal: AbortSignal,
): Promise<ItemResult> {
  const traceId = randomTraceId()
  const spanId = randomSpanId()
  const startedAt = new Date().toISOString()
  const started = performance.now()
  const timeout = AbortSignal.timeout(agent.timeoutMs)
  const base = {
    itemId: row.itemId,
    index: row.index,
    trial: 0,
    input: row.input,
    ...(row.expected !== undefined ? { expected: row.expected } : {}),
    tags: row.tags,
    metadata: row.metadata,
    startedAt,
    costUsd: null,
    traceId,
    spanId,
    scores: [],
  }
  try {
    const reply = await chatCompletion(
      {
        model: agent.model,
        baseURL: agent.baseUrl,
        apiKey: agent.apiKey,
        // the agent can join its own spans to the row's trace
        headers: { traceparent: `00-${traceId}-${spanId}-01` },
        mode: 'auto',
        maxRetries: 2,
        retryDelayMs: 250,
        formatRetries: 0,
        timeoutMs: agent.timeoutMs,
        prices: undefined,
      },
      { model: agent.model, messages: messagesFor(row.input, agent.systemPrompt) },
      AbortSignal.any([signal, timeout]),
    )
    const toolCalls = reply.toolCalls.map((c) => ({ name: c.name, arguments: parseArguments(c.arguments) }))
    return {
      ...base,
      status: 'completed',
      output: reply.content ?? (toolCalls.length > 0 ? null : ''),
      error: null,
      passed: true,
      latencyMs: elapsed(started),
      usage: reply.usage,
      toolCalls: toolCalls.length > 0 ? toolCalls : null,
    }
  } catch (error) {
    const timedOut = timeout.aborted && !signal.aborted
    return {
      ...base,
      status: timedOut ? 'timeout' : 'failed',
      output: null,
      error: timedOut
        ? { name: 'TimeoutError', message: `agent ${agent.name} did not answer within ${agent.timeoutMs} ms` }
        : { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) },
      passed: false,
      latencyMs: elapsed(started),
      usage: null,
      toolCalls: null,
    }
  }
}

function elapsed(started: number): number {
  return Math.max(0, performance.now() - started)
}

function parseArguments(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return text
  }
}
