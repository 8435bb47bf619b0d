import type { JsonValue, TaskResult } from 'evalgate'
import { type ChatConfig, type ChatMessage, chatCompletion, costOf } from './openai-chat.js'
import { runSupportTool, SUPPORT_TOOLS, TODAY } from './support-tools.js'

const SYSTEM_PROMPT = `You are the customer support assistant of Cadence Cycles, an online bike shop. Today is ${TODAY}.
Use the tools: look orders up before saying anything about them, and search the FAQ before stating a policy.
Never invent order details, dates or policies. Only cancel an order when the customer asks for it.
Answer in at most four sentences, in plain text.`

const MAX_MODEL_CALLS = 6

/** The next assistant message, with the tokens used, the cost (when the price is known) and the tools called. */
export type AgentTurn = TaskResult<string> & { usage: { inputTokens: number; outputTokens: number } }

/**
 * Produces the assistant's next turn for a conversation, calling tools as the model asks, and
 * returns it with the tokens used, the cost, and every tool call made along the way.
 */
export async function answerTicket(
  config: ChatConfig,
  conversation: { role: 'user' | 'assistant'; content: string }[],
  signal: AbortSignal,
): Promise<AgentTurn> {
  const messages: ChatMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }, ...conversation]
  const usage = { inputTokens: 0, outputTokens: 0 }
  const toolCalls: NonNullable<AgentTurn['toolCalls']> = []
  for (let call = 0; call < MAX_MODEL_CALLS; call++) {
    const completion = await chatCompletion(
      config,
      { messages, tools: SUPPORT_TOOLS, temperature: 0 },
      signal,
    )
    usage.inputTokens += completion.usage.inputTokens
    usage.outputTokens += completion.usage.outputTokens
    messages.push(completion.message)
    const requested = completion.message.tool_calls ?? []
    if (requested.length === 0) {
      const cost = costOf(config.model, usage)
      return {
        output: completion.message.content ?? '',
        usage,
        ...(cost === undefined ? {} : { costUsd: cost }),
        toolCalls,
      }
    }
    for (const request of requested) {
      const result = runSupportTool(request.function.name, request.function.arguments)
      toolCalls.push({
        name: request.function.name,
        arguments: parseOrRaw(request.function.arguments),
        result,
      })
      messages.push({ role: 'tool', tool_call_id: request.id, content: JSON.stringify(result) })
    }
  }
  throw new Error(`no final answer after ${MAX_MODEL_CALLS} model calls (the model kept calling tools)`)
}

function parseOrRaw(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return text
  }
}
