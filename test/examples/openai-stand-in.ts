// A local stand-in for an OpenAI-compatible chat-completions endpoint, for testing the LLM example
// offline. It plays a scripted support "model": on a user turn it asks, in one message, for the
// tools the conversation needs (order tools for an order id, the FAQ for anything about policy);
// once the tool results are in, it phrases an answer from them. It checks requests the way the real
// API does (auth, model, messages, every tool message answering an earlier tool call).
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const STAND_IN_KEY = 'sk-stand-in'

interface WireMessage {
  role: string
  content?: string | null
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[]
  tool_call_id?: string
}

export interface StandIn {
  baseUrl: string
  /** Every request body received, in order. */
  requests: { model: string; messages: WireMessage[]; tools?: unknown[] }[]
  close(): Promise<void>
}

export async function startStandIn(): Promise<StandIn> {
  const requests: StandIn['requests'] = []
  let nextId = 0
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: { message: String(error) } }))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } })
    }
    if (req.headers.authorization !== `Bearer ${STAND_IN_KEY}`) {
      return send(res, 401, { error: { message: 'Incorrect API key provided' } })
    }
    let body: { model?: unknown; messages?: unknown; tools?: unknown[] }
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      return send(res, 400, { error: { message: 'body is not JSON' } })
    }
    if (typeof body.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return send(res, 400, { error: { message: 'model and messages are required' } })
    }
    const messages = body.messages as WireMessage[]
    const problem = checkToolCallIds(messages)
    if (problem) return send(res, 400, { error: { message: problem } })
    requests.push({ model: body.model, messages, ...(body.tools ? { tools: body.tools } : {}) })

    const last = messages.at(-1)!
    const reply =
      last.role === 'tool'
        ? { role: 'assistant', content: answerFrom(messages) }
        : { role: 'assistant', content: null, tool_calls: toolCallsFor(messages, () => `call_${nextId++}`) }
    const promptTokens = Math.ceil(JSON.stringify(messages).length / 4)
    const completionTokens = Math.ceil(JSON.stringify(reply).length / 4)
    send(res, 200, {
      id: `chatcmpl-${nextId++}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: reply, finish_reason: reply.content === null ? 'tool_calls' : 'stop' }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    })
  }

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

const POLICY_WORDS =
  /\b(return|send (it )?back|refund|ship|shipping|deliver|warranty|crack|crash|pay|instal?ments?|policy)\w*/i

// Like a model rewriting the conversation into a search query: the first topic that matches
// everything the user said picks the query; otherwise the last user message is searched as is.
const QUERY_REWRITES: [RegExp, string][] = [
  [/helmet[\s\S]*\b(wore|worn|used)\b/i, 'return used helmet'],
  [/\bbike\b[\s\S]*\bridden\b|\bridden\b[\s\S]*\breturn/i, 'return a complete bicycle ridden km'],
  [
    /battery[\s\S]*\b(ship|send|canada|toronto|abroad)\b|\b(ship|send)\b[\s\S]*battery/i,
    'shipping e-bike batteries internationally',
  ],
  [/\b(crash|crashed|crack)\b/i, 'crash replacement broken frame'],
  [/\breturn\b/i, 'return window days refund'],
  [/\bshipping\b/i, 'standard shipping cost'],
  [/\b(monthly|instal?ments?)\b/i, 'pay in monthly instalments financing'],
]

/**
 * The tools a conversation calls for: an order id in the last user message → `cancel_order` when it
 * asks to cancel, else `lookup_order`; policy words, or no order id at all → `search_faq`.
 */
function toolCallsFor(messages: WireMessage[], nextId: () => string) {
  const userText = messages.filter((m) => m.role === 'user').map((m) => m.content ?? '')
  const lastText = userText.at(-1) ?? ''
  const calls: { name: string; args: Record<string, string> }[] = []
  const orderId = lastText.match(/\bCC-\d{4}\b/i)?.[0].toUpperCase()
  if (orderId)
    calls.push({ name: /\bcancel\b/i.test(lastText) ? 'cancel_order' : 'lookup_order', args: { orderId } })
  if (!orderId || POLICY_WORDS.test(lastText)) {
    const conversation = userText.join(' ')
    const query = QUERY_REWRITES.find(([topic]) => topic.test(conversation))?.[1] ?? lastText
    calls.push({ name: 'search_faq', args: { query } })
  }
  return calls.map(({ name, args }) => ({
    id: nextId(),
    type: 'function',
    function: { name, arguments: JSON.stringify(args) },
  }))
}

/** A reply built from the results of the tool calls since the last user message. */
function answerFrom(messages: WireMessage[]): string {
  const lastUser = messages.findLastIndex((m) => m.role === 'user')
  const results = messages
    .slice(lastUser + 1)
    .filter((m) => m.role === 'tool')
    .map((m) => JSON.parse(m.content ?? 'null') as Record<string, unknown> | { text?: string }[])
  return results.map(sentenceFor).join(' ')
}

function sentenceFor(result: Record<string, unknown> | { text?: string }[]): string {
  if (Array.isArray(result)) {
    const [top] = result
    return top?.text ? `Our policy: ${top.text}` : 'I could not find a policy about that.'
  }
  if (typeof result.error === 'string') {
    return /no order/.test(result.error)
      ? "Sorry, I couldn't find that order; could you check the number?"
      : `I'm sorry, that isn't possible: ${result.error}.`
  }
  if (typeof result.cancelled === 'string')
    return `Done: order ${result.cancelled} has been cancelled and refunded.`
  const order = result as {
    id: string
    status: string
    carrier?: string
    tracking?: string
    deliveredAt?: string
  }
  if (order.deliveredAt) return `Order ${order.id} was delivered on ${order.deliveredAt}.`
  return order.tracking
    ? `Order ${order.id} is ${order.status.replace('_', ' ')} with ${order.carrier}, tracking number ${order.tracking}.`
    : `Order ${order.id} is ${order.status}.`
}

/** Every tool message must answer a tool call of an earlier assistant message, as the real API requires. */
function checkToolCallIds(messages: WireMessage[]): string | null {
  const open = new Set<string>()
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) open.add(call.id)
    if (message.role === 'tool') {
      if (!message.tool_call_id || !open.has(message.tool_call_id)) {
        return `tool message with tool_call_id ${String(message.tool_call_id)} answers no earlier tool call`
      }
      open.delete(message.tool_call_id)
    }
  }
  return null
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
