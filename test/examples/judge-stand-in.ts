// A local stand-in for an OpenAI-compatible endpoint playing both the task model and the judge
// model of examples/judges, with simple, predictable rules (so tests can compute what the judges
// must say):
// - task, RAG prompt ("Passages: …"): answers with the first sentence of the first passage;
// - task, any other prompt: a one-sentence reply;
// - judge (a forced `submit_verdict` tool call), by its labels:
//   faithfulness (…no_claims): `all` when every word of the answer is in the context, else `some`;
//   answerRelevance (Y/P/N): `Y`; pairwise (A/B/tie): the shorter response;
//   factuality (A–E): `C` when the submission equals the expert answer (case and spaces aside), else `D`;
//   correct/incorrect: `incorrect` when the answer has a number the reference lacks, or only one
//   of them is negative (no, not, cannot, never); else `correct`.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export const JUDGE_STAND_IN_KEY = 'sk-judge-stand-in'

interface Body {
  model: string
  messages: { role: string; content: string }[]
  tools?: { function: { name: string; parameters: { properties: { choice: { enum: string[] } } } } }[]
}

export interface JudgeStandIn {
  baseUrl: string
  requests: Body[]
  /** The next request waits for `release()`; `reached` settles when it has arrived. */
  holdNext(): { reached: Promise<void>; release(): void }
  close(): Promise<void>
}

export async function startJudgeStandIn(): Promise<JudgeStandIn> {
  const requests: Body[] = []
  let held: { arrived: () => void; released: Promise<void> } | null = null
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const hold = held
    held = null
    if (hold) {
      hold.arrived()
      await hold.released
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.headers.authorization !== `Bearer ${JUDGE_STAND_IN_KEY}`) {
      return send(401, { error: { message: 'Incorrect API key provided' } })
    }
    const body = JSON.parse(text) as Body
    requests.push(body)
    const prompt = body.messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''
    const labels = body.tools?.[0]?.function.parameters.properties.choice.enum
    const message = labels
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: `call_${requests.length}`,
              type: 'function',
              function: {
                name: body.tools![0]!.function.name,
                arguments: JSON.stringify({ reasoning: 'stand-in rule', choice: verdict(labels, prompt) }),
              },
            },
          ],
        }
      : { role: 'assistant', content: taskAnswer(prompt) }
    send(200, {
      id: `chatcmpl-${requests.length}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
      choices: [{ index: 0, message, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: Math.ceil(text.length / 4),
        completion_tokens: 12,
        total_tokens: Math.ceil(text.length / 4) + 12,
      },
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    holdNext() {
      let arrived!: () => void
      let release!: () => void
      const reached = new Promise<void>((resolve) => {
        arrived = resolve
      })
      held = {
        arrived,
        released: new Promise<void>((resolve) => {
          release = resolve
        }),
      }
      return { reached, release }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function taskAnswer(prompt: string): string {
  if (prompt.startsWith('Passages:')) {
    const first = prompt.split('\n')[1] ?? ''
    const text = first.slice(first.indexOf(':') + 1).trim()
    return `${text.split(/(?<=\.)\s/)[0]}`
  }
  return `In short: ${prompt.replace(/\?$/, '').toLowerCase()}.`
}

/** The text of a `[Section]` of a judge prompt. */
export function section(prompt: string, name: string): string {
  const start = prompt.indexOf(`[${name}]\n`)
  if (start === -1) return ''
  const rest = prompt.slice(start + name.length + 3)
  const end = rest.search(/\n\[[A-Z][^\]]*\]\n|\n\n/)
  return end === -1 ? rest : rest.slice(0, end)
}

const words = (text: string) =>
  text
    .toLowerCase()
    .match(/[a-z0-9%$.]+/g)
    ?.map((w) => w.replace(/\.$/, '')) ?? []
const numbers = (text: string) => text.match(/\d+(?:\.\d+)?/g) ?? []
const negative = (text: string) => /\b(no|not|cannot|never)\b|n't/i.test(text)

export function verdict(labels: string[], prompt: string): string {
  if (labels.includes('no_claims')) {
    const context = new Set(words(section(prompt, 'Context')))
    return words(section(prompt, 'Answer')).every((w) => context.has(w)) ? 'all' : 'some'
  }
  if (labels.includes('P')) return 'Y'
  if (labels.includes('E')) {
    const norm = (t: string) => t.trim().toLowerCase().replace(/\s+/g, ' ')
    return norm(section(prompt, 'Submission')) === norm(section(prompt, 'Expert answer')) ? 'C' : 'D'
  }
  if (labels.includes('tie')) {
    const a = section(prompt, 'Response A')
    const b = section(prompt, 'Response B')
    return a.length === b.length ? 'tie' : a.length < b.length ? 'A' : 'B'
  }
  if (labels.includes('correct')) {
    const reference = section(prompt, 'Reference answer')
    const answer = section(prompt, 'Answer')
    const refNumbers = new Set(numbers(reference))
    if (numbers(answer).some((n) => !refNumbers.has(n))) return 'incorrect'
    return negative(answer) === negative(reference) ? 'correct' : 'incorrect'
  }
  return labels[0]!
}
