// llmJudge against a scripted OpenAI-compatible server on loopback: tool-call and JSON answers,
// malformed answers and their retries, 429/5xx with backoff, sampling, and no configured model.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { runEvaluator } from '../../src/evaluators/run.js'
import type { Evaluator } from '../../src/evaluators/types.js'
import { llmJudge, NO_JUDGE_MODEL, setJudgeDefaults } from '../../src/judges/index.js'
import {
  content,
  contextOf,
  lastUser,
  type Reply,
  type ScriptedModel,
  startScriptedModel,
  tool,
} from './scripted-model.js'

let script: (index: number, body: Parameters<Parameters<typeof startScriptedModel>[0]>[0]) => Reply
let model: ScriptedModel
beforeAll(async () => {
  model = await startScriptedModel((body, index) => script(index, body))
})
afterAll(() => model.close())
afterEach(() => {
  setJudgeDefaults(undefined)
  model.requests.length = 0
})

const configure = (extra: Record<string, unknown> = {}) =>
  setJudgeDefaults({
    model: 'gpt-4o-mini',
    baseURL: model.baseUrl,
    apiKey: 'sk-test-key',
    retryDelayMs: 10,
    ...extra,
  })

const correct = () =>
  llmJudge({
    name: 'correct',
    prompt: 'Question: {{input}}\nAnswer: {{output}}\nReference: {{expected}}\nIs the answer correct?',
    choices: { Y: 1, N: 0 },
    threshold: 1,
  })

const run = (evaluator: Evaluator, ctx = contextOf()) => runEvaluator(evaluator, ctx)

describe('llmJudge', () => {
  test('forced tool call: score, choice, rationale, model, tokens, cost and latency are recorded', async () => {
    configure()
    script = () => tool('Y', 'The answer matches the reference.')
    const result = await run(correct())
    expect(result).toMatchObject({
      metric: 'correct',
      score: 1,
      passed: true,
      reason: 'The answer matches the reference.',
    })
    expect(result.metadata).toMatchObject({
      choice: 'Y',
      model: 'gpt-4o-mini',
      inputTokens: 100,
      outputTokens: 20,
      attempts: 1,
    })
    // gpt-4o-mini: 100 × 0.15 + 20 × 0.6 per million tokens
    expect(result.metadata?.costUsd).toBeCloseTo(0.000027, 9)
    const [request] = model.requests
    expect(request!.headers.authorization).toBe('Bearer sk-test-key')
    expect(request!.body.temperature).toBe(0)
    expect(request!.body.tool_choice).toEqual({ type: 'function', function: { name: 'submit_verdict' } })
    expect(request!.body.tools?.[0]?.function.parameters.properties.choice?.enum).toEqual(['Y', 'N'])
    expect(lastUser(request!.body)).toContain('Question: What is the capital of France?\nAnswer: Paris')
  })

  test('JSON mode: strict JSON answers, also inside one code fence', async () => {
    configure({ mode: 'json' })
    script = (index) =>
      index === 0
        ? content('{"reasoning":"wrong city","choice":"N"}')
        : content('```json\n{"reasoning":"ok","choice":"Y"}\n```')
    expect((await run(correct())).score).toBe(0)
    expect((await run(correct())).score).toBe(1)
    expect(model.requests[0]!.body.response_format).toEqual({ type: 'json_object' })
    expect(model.requests[0]!.body.tools).toBeUndefined()
  })

  test('an endpoint that rejects tools gets the JSON protocol instead', async () => {
    configure({ model: 'no-tools-model' })
    script = (_index, body) =>
      body.tools
        ? { kind: 'error', status: 400, message: 'tools are not supported by this model' }
        : content('{"reasoning":"fine","choice":"Y"}')
    const result = await run(correct())
    expect(result.score).toBe(1)
    expect(model.requests.map((r) => Boolean(r.body.tools))).toEqual([true, false])
  })

  test('a malformed answer is retried with the problem named, then scored', async () => {
    configure()
    script = (index) =>
      index === 0 ? tool('Maybe') : index === 1 ? { kind: 'tool', args: 'not json' } : tool('N')
    const result = await run(correct())
    expect(result).toMatchObject({ score: 0, passed: false })
    expect(result.metadata?.attempts).toBe(3)
    expect(lastUser(model.requests[1]!.body)).toContain('choice "Maybe" is not one of "Y", "N"')
    expect(lastUser(model.requests[2]!.body)).toContain('not a JSON object')
  })

  test('a choice outside the labels on every attempt: null score, error keeps the raw answer', async () => {
    configure({ formatRetries: 1 })
    script = () => tool('Probably', 'I am unsure')
    const result = await run(correct())
    expect(result.score).toBeNull()
    expect(result.passed).toBe(false)
    expect(result.error).toContain('judge "correct": no valid answer after 2 attempts')
    expect(result.error).toContain('Probably')
    expect(model.requests).toHaveLength(2)
  })

  test('429 and 5xx are retried with backoff, honouring Retry-After', async () => {
    configure()
    script = (index) =>
      index === 0
        ? { kind: 'error', status: 429, message: 'rate limited', headers: { 'retry-after': '0' } }
        : index === 1
          ? { kind: 'error', status: 503, message: 'overloaded' }
          : tool('Y')
    const result = await run(correct())
    expect(result.score).toBe(1)
    expect(model.requests).toHaveLength(3)
  })

  test('retries are bounded: persistent 500s give a null score naming the status', async () => {
    configure({ maxRetries: 2 })
    script = () => ({ kind: 'error', status: 500, message: 'internal error' })
    const result = await run(correct())
    expect(result.score).toBeNull()
    expect(result.error).toMatch(/answered 500: internal error/)
    expect(model.requests).toHaveLength(3)
  })

  test('a 401 is not retried', async () => {
    configure()
    script = () => ({ kind: 'error', status: 401, message: 'Incorrect API key provided' })
    const result = await run(correct())
    expect(result.error).toMatch(/answered 401: Incorrect API key provided/)
    expect(model.requests).toHaveLength(1)
  })

  test('samples: majority vote with the agreement recorded', async () => {
    configure()
    script = (index) => tool(index === 1 ? 'N' : 'Y')
    const judge = llmJudge({
      name: 'voted',
      prompt: 'Is {{output}} right?',
      choices: { Y: 1, N: 0 },
      samples: 3,
    })
    const result = await run(judge)
    expect(result.score).toBe(1)
    expect(result.metadata).toMatchObject({ votes: ['Y', 'N', 'Y'], agreement: 2 / 3, inputTokens: 300 })
    expect(model.requests.every((r) => r.body.temperature === 1)).toBe(true)
  })

  test('per-judge model overrides the defaults', async () => {
    configure()
    script = () => tool('Y')
    const judge = llmJudge({
      name: 'own',
      prompt: '{{output}}',
      choices: { Y: 1, N: 0 },
      model: 'gpt-4.1-mini',
    })
    const result = await run(judge)
    expect(model.requests[0]!.body.model).toBe('gpt-4.1-mini')
    expect(result.metadata?.model).toBe('gpt-4.1-mini')
  })

  test('environment: EVALGATE_JUDGE_MODEL with OPENAI_BASE_URL / OPENAI_API_KEY', async () => {
    const saved = { ...process.env }
    Object.assign(process.env, {
      EVALGATE_JUDGE_MODEL: 'env-model',
      OPENAI_BASE_URL: `${model.baseUrl}/`,
      OPENAI_API_KEY: 'sk-env',
    })
    try {
      script = () => tool('Y')
      expect((await run(correct())).score).toBe(1)
      expect(model.requests[0]!.body.model).toBe('env-model')
      expect(model.requests[0]!.headers.authorization).toBe('Bearer sk-env')
    } finally {
      for (const key of ['EVALGATE_JUDGE_MODEL', 'OPENAI_BASE_URL', 'OPENAI_API_KEY']) {
        if (saved[key] === undefined) delete process.env[key]
        else process.env[key] = saved[key]
      }
    }
  })

  test('no model configured: null score and one line saying how to configure one', async () => {
    const saved = process.env.EVALGATE_JUDGE_MODEL
    delete process.env.EVALGATE_JUDGE_MODEL
    try {
      const result = await run(correct())
      expect(result.score).toBeNull()
      expect(result.error).toBe(`judge "correct": ${NO_JUDGE_MODEL}`)
      expect(result.error).not.toContain('\n')
      expect(model.requests).toHaveLength(0)
    } finally {
      if (saved !== undefined) process.env.EVALGATE_JUDGE_MODEL = saved
    }
  })

  test('a template placeholder the item lacks is an error naming it', async () => {
    configure()
    const judge = llmJudge({ name: 'ctx', prompt: 'Context: {{metadata.context}}', choices: { Y: 1, N: 0 } })
    const result = await run(judge)
    expect(result.error).toContain('{{metadata.context}}')
  })

  test('bad options throw when the judge is built', () => {
    expect(() => llmJudge({ name: 'x', prompt: 'p', choices: { Y: 2, N: 0 } })).toThrow(/score of choice "Y"/)
    expect(() => llmJudge({ name: 'x', prompt: 'p', choices: { Y: 1 } })).toThrow(/at least two/)
    expect(() => llmJudge({ name: 'x', prompt: 'p', choices: { Y: 1, N: 0 }, samples: 0 })).toThrow(/samples/)
    // @ts-expect-error unknown option
    expect(() => llmJudge({ name: 'x', prompt: 'p', choices: { Y: 1, N: 0 }, temp: 1 })).toThrow(
      /unknown option "temp"/,
    )
  })
})
