import { aiSdkCompletion } from './ai-sdk.js'
import type { ResolvedJudgeModel } from './config.js'
import { type ChatReply, chatCompletion, clip, ModelCallError } from './openai-compatible.js'
import { costOf } from './prices.js'

/** A judge failed: the message names the judge and keeps the model's raw answer when there was one. */
export class JudgeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'JudgeError'
  }
}

/** One classification by the model. */
export interface Verdict {
  choice: string
  rationale: string
  model: string
  inputTokens: number
  outputTokens: number
  costUsd: number | null
  latencyMs: number
  /** Calls made, including retries after malformed answers. */
  attempts: number
}

export interface ClassifyRequest {
  judge: string
  settings: ResolvedJudgeModel
  system: string
  prompt: string
  labels: readonly string[]
  /** Ask for a rationale before the choice (default true). */
  reasoning: boolean
  temperature: number
  signal?: AbortSignal
}

const TOOL = 'submit_verdict'

// Endpoints seen rejecting `tools` (baseURL + model): later calls go straight to JSON mode.
const noTools = new Set<string>()

/**
 * Asks the model to pick one of `labels`: through a forced tool call (rationale, then choice), or a
 * strict JSON object where tools are unavailable. A malformed answer or a choice outside the labels
 * is retried `formatRetries` times with a message saying what was wrong; then it throws a
 * {@link JudgeError} quoting the raw answer. Never returns a made-up choice.
 */
export async function classify(request: ClassifyRequest): Promise<Verdict> {
  const { settings } = request
  const endpoint = `${settings.baseURL} ${settings.model}`
  let mode: 'tools' | 'json' = settings.mode === 'json' || noTools.has(endpoint) ? 'json' : 'tools'
  const messages: ChatMessage[] = [
    { role: 'system', content: request.system },
    { role: 'user', content: `${request.prompt}\n\n${instructions(request, mode)}` },
  ]
  const totals = { inputTokens: 0, outputTokens: 0, latencyMs: 0, attempts: 0 }
  let lastProblem = ''
  let modelName = settings.model
  while (totals.attempts <= settings.formatRetries) {
    let reply: ChatReply
    try {
      const payload = body(request, mode, messages)
      reply = settings.languageModel
        ? await aiSdkCompletion(settings.languageModel, payload, settings, request.signal)
        : await chatCompletion(settings, payload, request.signal)
    } catch (error) {
      if (
        mode === 'tools' &&
        settings.mode === 'auto' &&
        error instanceof ModelCallError &&
        error.status === 400 &&
        /tool|function/i.test(error.message)
      ) {
        // This endpoint does not do tools: ask again for JSON (not counted as a malformed answer).
        noTools.add(endpoint)
        mode = 'json'
        messages[1] = { role: 'user', content: `${request.prompt}\n\n${instructions(request, mode)}` }
        continue
      }
      throw new JudgeError(`judge "${request.judge}": ${(error as Error).message}`)
    }
    totals.attempts++
    totals.latencyMs += reply.latencyMs
    totals.inputTokens += reply.usage?.inputTokens ?? 0
    totals.outputTokens += reply.usage?.outputTokens ?? 0
    modelName = reply.model
    const parsed = parseAnswer(reply, request)
    if ('choice' in parsed) {
      return {
        choice: parsed.choice,
        rationale: parsed.rationale,
        model: modelName,
        inputTokens: totals.inputTokens,
        outputTokens: totals.outputTokens,
        costUsd: costOf(modelName, totals, settings.prices),
        latencyMs: totals.latencyMs,
        attempts: totals.attempts,
      }
    }
    lastProblem = parsed.problem
    messages.push(
      { role: 'assistant', content: parsed.raw || '(empty answer)' },
      {
        role: 'user',
        content: `That answer was invalid: ${parsed.problem}. ${instructions(request, mode)}`,
      },
    )
  }
  throw new JudgeError(
    `judge "${request.judge}": no valid answer after ${totals.attempts} attempts: ${lastProblem}`,
  )
}

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string }

function instructions(request: ClassifyRequest, mode: 'tools' | 'json'): string {
  const labels = request.labels.map((label) => JSON.stringify(label)).join(', ')
  if (mode === 'tools') {
    return request.reasoning
      ? `Call ${TOOL} with your reasoning first, then your choice, one of: ${labels}.`
      : `Call ${TOOL} with your choice, one of: ${labels}.`
  }
  return request.reasoning
    ? `Answer with only a JSON object {"reasoning": "<your step-by-step reasoning>", "choice": "<one of ${labels}>"} and nothing else.`
    : `Answer with only a JSON object {"choice": "<one of ${labels}>"} and nothing else.`
}

function body(request: ClassifyRequest, mode: 'tools' | 'json', messages: ChatMessage[]) {
  const base = { model: request.settings.model, temperature: request.temperature, messages }
  if (mode === 'json') return { ...base, response_format: { type: 'json_object' } }
  const properties: Record<string, unknown> = {}
  if (request.reasoning) {
    properties.reasoning = {
      type: 'string',
      description: 'Step-by-step reasoning that leads to the choice, written before choosing.',
    }
  }
  properties.choice = { type: 'string', enum: [...request.labels] }
  return {
    ...base,
    tools: [
      {
        type: 'function',
        function: {
          name: TOOL,
          description: 'Submit the verdict.',
          parameters: {
            type: 'object',
            properties,
            required: Object.keys(properties),
            additionalProperties: false,
          },
        },
      },
    ],
    tool_choice: { type: 'function', function: { name: TOOL } },
  }
}

type Parsed = { choice: string; rationale: string } | { problem: string; raw: string }

function parseAnswer(reply: ChatReply, request: ClassifyRequest): Parsed {
  const call = reply.toolCalls.find((candidate) => candidate.name === TOOL) ?? reply.toolCalls[0]
  // A tool call when there is one; otherwise the content as JSON (endpoints that ignore tool_choice).
  const raw = call ? call.arguments : (reply.content ?? '')
  if (raw.trim() === '') return { problem: 'the answer was empty', raw }
  let value: unknown
  try {
    value = JSON.parse(stripFence(raw))
  } catch {
    return { problem: `the answer is not a JSON object: ${JSON.stringify(clip(raw, 200))}`, raw }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: `the answer is not a JSON object: ${JSON.stringify(clip(raw, 200))}`, raw }
  }
  const record = value as Record<string, unknown>
  const choice = typeof record.choice === 'string' ? record.choice.trim() : record.choice
  if (typeof choice !== 'string' || !request.labels.includes(choice)) {
    return {
      problem: `choice ${JSON.stringify(record.choice)} is not one of ${request.labels.map((l) => JSON.stringify(l)).join(', ')} (raw answer: ${JSON.stringify(clip(raw, 200))})`,
      raw,
    }
  }
  const rationale = typeof record.reasoning === 'string' ? record.reasoning : ''
  return { choice, rationale }
}

/** A JSON answer wrapped in one Markdown code fence, as some models do even in JSON mode. */
function stripFence(text: string): string {
  const match = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text)
  return match ? match[1]! : text
}
