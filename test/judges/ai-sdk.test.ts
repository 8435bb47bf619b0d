// A judge whose model is a Vercel AI SDK language model: @ai-sdk/openai-compatible's chat model,
// talking real HTTP to the scripted server, called through the provider specification (no `ai`).
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { runEvaluator } from '../../src/evaluators/run.js'
import { closedQA, isAiSdkModel, llmJudge } from '../../src/judges/index.js'
import {
  contextOf,
  lastUser,
  type Reply,
  type ScriptedModel,
  startScriptedModel,
  tool,
} from './scripted-model.js'

let script: (index: number) => Reply = () => tool('Y')
let model: ScriptedModel
beforeAll(async () => {
  model = await startScriptedModel((_body, index) => script(index))
})
afterAll(() => model.close())
afterEach(() => {
  model.requests.length = 0
})

const provider = () =>
  createOpenAICompatible({ name: 'stand-in', baseURL: model.baseUrl, apiKey: 'sk-ai-sdk-key' })

describe('judges on AI SDK models', () => {
  test('forced tool call through doGenerate: score, choice, rationale, tokens', async () => {
    const languageModel = provider().chatModel('gpt-4o-mini')
    expect(isAiSdkModel(languageModel)).toBe(true)
    script = () => tool('N', 'Lyon is not the capital.')
    const judge = closedQA({ criteria: 'Names the capital', model: languageModel, threshold: 1 })
    const result = await runEvaluator(judge, contextOf({ output: 'Lyon' }))
    expect(result).toMatchObject({ score: 0, passed: false, reason: 'Lyon is not the capital.' })
    expect(result.metadata).toMatchObject({
      choice: 'N',
      model: 'gpt-4o-mini',
      inputTokens: 100,
      outputTokens: 20,
    })
    expect(result.metadata?.costUsd).toBeCloseTo(0.000027, 9)
    const [request] = model.requests
    expect(request!.headers.authorization).toBe('Bearer sk-ai-sdk-key')
    expect(request!.body.tool_choice).toEqual({ type: 'function', function: { name: 'submit_verdict' } })
    expect(request!.body.temperature).toBe(0)
    expect(lastUser(request!.body)).toContain('[Criterion]\nNames the capital')
  })

  test('malformed answers are retried, 5xx retried with backoff', async () => {
    script = (index) =>
      index === 0
        ? { kind: 'error', status: 503, message: 'overloaded' }
        : index === 1
          ? tool('Maybe')
          : tool('Y')
    const judge = llmJudge({
      name: 'ok',
      prompt: '{{output}}',
      choices: { Y: 1, N: 0 },
      model: provider().chatModel('m'),
    })
    const result = await runEvaluator(judge, contextOf())
    expect(result.score).toBe(1)
    expect(result.metadata?.attempts).toBe(2)
    expect(model.requests).toHaveLength(3)
  })
})
