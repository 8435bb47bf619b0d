// A scripted OpenAI-compatible chat-completions server on loopback for judge and replay tests:
// each request is answered by the test's `reply` function (a tool call, plain content, an HTTP
// error, or an SSE stream), and every request is kept for assertions.
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EvalContext } from '../../src/evaluators/types.js'

export interface ChatRequestBody {
  model: string
  messages: { role: string; content: string | null }[]
  tools?: { function: { name: string; parameters: { properties: Record<string, { enum?: string[] }> } } }[]
  tool_choice?: unknown
  response_format?: { type: string }
  temperature?: number
  stream?: boolean
}

export type Reply =
  | { kind: 'tool'; args: Record<string, unknown> | string }
  | { kind: 'content'; content: string }
  | { kind: 'error'; status: number; message: string; headers?: Record<string, string> }
  | { kind: 'sse'; deltas: string[] }

export interface ScriptedModel {
  baseUrl: string
  requests: { body: ChatRequestBody; headers: IncomingHttpHeaders }[]
  close(): Promise<void>
}

export const tool = (choice: string, reasoning = `because ${choice}`): Reply => ({
  kind: 'tool',
  args: { reasoning, choice },
})
export const content = (text: string): Reply => ({ kind: 'content', content: text })

export async function startScriptedModel(
  reply: (body: ChatRequestBody, index: number) => Reply,
): Promise<ScriptedModel> {
  const requests: ScriptedModel['requests'] = []
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const body = JSON.parse(text) as ChatRequestBody
    const index = requests.length
    requests.push({ body, headers: req.headers })
    const answer = reply(body, index)
    const usage = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 }
    const base = {
      id: `chatcmpl-${index}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
    }
    if (answer.kind === 'error') {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(JSON.stringify({ error: { message: answer.message } }))
      return
    }
    if (answer.kind === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const delta of answer.deltas) {
        const chunk = {
          ...base,
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { content: delta }, finish_reason: null }],
        }
        res.write(`data: ${JSON.stringify(chunk)}\n\n`)
      }
      const last = {
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      }
      res.write(`data: ${JSON.stringify(last)}\n\n`)
      res.end('data: [DONE]\n\n')
      return
    }
    const message =
      answer.kind === 'tool'
        ? {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: `call_${index}`,
                type: 'function',
                function: {
                  name: body.tools?.[0]?.function.name ?? 'submit_verdict',
                  arguments: typeof answer.args === 'string' ? answer.args : JSON.stringify(answer.args),
                },
              },
            ],
          }
        : { role: 'assistant', content: answer.content }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ ...base, choices: [{ index: 0, message, finish_reason: 'stop' }], usage }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The last user message of a request (the rendered prompt, or a correction). */
export function lastUser(body: ChatRequestBody): string {
  return body.messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''
}

/** An evaluator context for one item, with defaults for every field. */
export function contextOf(fields: Partial<EvalContext> = {}): EvalContext {
  return {
    input: 'What is the capital of France?',
    output: 'Paris',
    expected: 'Paris',
    metadata: {},
    tags: [],
    latencyMs: 1,
    usage: null,
    costUsd: null,
    toolCalls: null,
    signal: new AbortController().signal,
    ...fields,
  }
}
