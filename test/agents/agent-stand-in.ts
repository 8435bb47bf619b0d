// A local stand-in for an agent: an OpenAI-compatible chat-completions endpoint with scripted
// answers, latency, errors and timeouts, for the Gradient evaluation-run tests and the benchmark.
// The user's last message picks the behaviour:
//   contains "[error]"   → 400 with an OpenAI error body (not retried by clients)
//   contains "[timeout]" → never answers (the connection is held until close())
//   anything else        → after `latencyMs`, the scripted answer (`answers[prompt]`, else "I don't know")
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const AGENT_STAND_IN_KEY = 'sk-agent-stand-in'

export interface AgentStandInOptions {
  latencyMs?: number
  answers?: Record<string, string>
  /** Require `Authorization: Bearer <key>` (default AGENT_STAND_IN_KEY; null: no auth). */
  key?: string | null
}

export interface AgentStandIn {
  baseUrl: string
  /** Prompts received, in arrival order. */
  prompts: string[]
  /** Most requests in flight at once. */
  maxInFlight: number
  /** Requests in flight now. */
  inFlight: number
  /** traceparent headers received. */
  traceparents: string[]
  close(): Promise<void>
}

export async function startAgentStandIn(options: AgentStandInOptions = {}): Promise<AgentStandIn> {
  const latencyMs = options.latencyMs ?? 0
  const key = options.key === undefined ? AGENT_STAND_IN_KEY : options.key
  const held = new Set<ServerResponse>()
  const state: AgentStandIn = {
    baseUrl: '',
    prompts: [],
    maxInFlight: 0,
    inFlight: 0,
    traceparents: [],
    close: async () => {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = ''
    for await (const chunk of req) text += chunk
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
      return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } })
    if (key !== null && req.headers.authorization !== `Bearer ${key}`)
      return send(res, 401, { error: { message: 'Incorrect API key provided' } })
    const body = JSON.parse(text) as { model: string; messages: { role: string; content: string }[] }
    const prompt = body.messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''
    state.prompts.push(prompt)
    if (typeof req.headers.traceparent === 'string') state.traceparents.push(req.headers.traceparent)
    if (prompt.includes('[error]'))
      return send(res, 400, { error: { message: `scripted failure for ${prompt}` } })
    state.inFlight++
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
    try {
      if (prompt.includes('[timeout]')) {
        held.add(res)
        await once(res, 'close')
        return
      }
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
      const answer = options.answers?.[prompt] ?? "I don't know"
      send(res, 200, {
        id: `chatcmpl-${state.prompts.length}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: prompt.length,
          completion_tokens: answer.length,
          total_tokens: prompt.length + answer.length,
        },
      })
    } finally {
      state.inFlight--
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: { message: String(error) } }))
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  state.baseUrl = `http://127.0.0.1:${port}/v1`
  return state
}
