// The built-in judges against a scripted model on loopback: what each one asks (prompt content),
// how its choice maps to a score, what it needs from the item, and pairwise's order swap.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { validateEvaluators } from '../../src/evaluators/index.js'
import { runEvaluator } from '../../src/evaluators/run.js'
import {
  answerRelevance,
  closedQA,
  contextRecall,
  factuality,
  faithfulness,
  pairwise,
  rubric,
  setJudgeDefaults,
  toolUse,
} from '../../src/judges/index.js'
import {
  type ChatRequestBody,
  contextOf,
  lastUser,
  type Reply,
  type ScriptedModel,
  startScriptedModel,
  tool,
} from './scripted-model.js'

let script: (body: ChatRequestBody) => Reply = () => tool('Y')
let model: ScriptedModel
beforeAll(async () => {
  model = await startScriptedModel((body) => script(body))
  setJudgeDefaults({ model: 'gpt-4o-mini', baseURL: model.baseUrl, apiKey: 'sk-test', retryDelayMs: 10 })
})
afterAll(async () => {
  setJudgeDefaults(undefined)
  await model.close()
})
afterEach(() => {
  model.requests.length = 0
})

const prompts = () => model.requests.map((request) => lastUser(request.body))
const labels = (body: ChatRequestBody) => body.tools?.[0]?.function.parameters.properties.choice?.enum

describe('built-in judges', () => {
  test('factuality: question, expert answer and submission; D (disagreement) scores 0, C scores 1', async () => {
    script = () => tool('D')
    const result = await runEvaluator(factuality(), contextOf({ output: 'Lyon', expected: 'Paris' }))
    expect(result).toMatchObject({ metric: 'factuality', score: 0 })
    expect(prompts()[0]).toMatch(
      /\[Question\]\nWhat is the capital of France\?\n\[Expert answer\]\nParis\n\[Submission\]\nLyon/,
    )
    expect(labels(model.requests[0]!.body)).toEqual(['A', 'B', 'C', 'D', 'E'])
    script = () => tool('C')
    expect((await runEvaluator(factuality({ threshold: 0.5 }), contextOf())).passed).toBe(true)
  })

  test('factuality without an expected answer: null score saying so, no call', async () => {
    const result = await runEvaluator(factuality(), contextOf({ expected: undefined }))
    expect(result.score).toBeNull()
    expect(result.error).toBe(
      `judge "factuality" compares with the item's expected answer, and this item has none`,
    )
    expect(model.requests).toHaveLength(0)
  })

  test('closedQA: criteria in the prompt, Y/N', async () => {
    script = () => tool('N')
    const judge = closedQA({ criteria: 'Names a city in France' })
    expect((await runEvaluator(judge, contextOf())).score).toBe(0)
    expect(prompts()[0]).toContain('[Criterion]\nNames a city in France')
    expect(() => closedQA({} as never)).toThrow(/option `criteria` is required/)
  })

  test('rubric: a 1–5 grade maps to (grade − 1) / 4', async () => {
    script = () => tool('4')
    const judge = rubric({
      criteria: 'Cites the policy section and does not promise refunds',
      threshold: 0.7,
    })
    const result = await runEvaluator(judge, contextOf())
    expect(result).toMatchObject({ score: 0.75, passed: true })
    expect(labels(model.requests[0]!.body)).toEqual(['1', '2', '3', '4', '5'])
  })

  test('answerRelevance: partial answers score 0.5', async () => {
    script = () => tool('P')
    expect((await runEvaluator(answerRelevance(), contextOf())).score).toBe(0.5)
    expect(prompts()[0]).toContain('Do not judge whether it is correct')
  })

  test('faithfulness: numbered passages from item.metadata.context, or a selector', async () => {
    script = () => tool('most')
    const ctx = contextOf({
      metadata: { context: ['Paris is the capital of France.', 'Lyon is in France.'] },
    })
    expect((await runEvaluator(faithfulness(), ctx)).score).toBe(0.67)
    expect(prompts()[0]).toContain('[Context]\n[1] Paris is the capital of France.\n[2] Lyon is in France.')
    script = () => tool('no_claims')
    const selected = faithfulness({ context: (c) => (c.metadata.docs as string[]).join(' ') })
    expect((await runEvaluator(selected, contextOf({ metadata: { docs: ['a', 'b'] } }))).score).toBe(1)
    expect(prompts()[1]).toContain('[Context]\n[1] a b')
  })

  test('faithfulness without context: null score naming where context comes from', async () => {
    const result = await runEvaluator(faithfulness(), contextOf())
    expect(result.score).toBeNull()
    expect(result.error).toContain('put the retrieved passages in item.metadata.context')
  })

  test('contextRecall: reference answer against the retrieved context', async () => {
    script = () => tool('some')
    const ctx = contextOf({ metadata: { context: 'France has many cities.' } })
    expect((await runEvaluator(contextRecall(), ctx)).score).toBe(0.33)
    expect(prompts()[0]).toContain(
      '[Reference answer]\nParis\n[Retrieved context]\n[1] France has many cities.',
    )
  })

  test('toolUse: the tool calls with arguments and results are shown', async () => {
    script = () => tool('minor_issues')
    const ctx = contextOf({
      input: 'Where is order CC-1234?',
      output: 'It shipped.',
      expected: undefined,
      toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'CC-1234' }, result: { status: 'shipped' } }],
    })
    expect((await runEvaluator(toolUse(), ctx)).score).toBe(0.5)
    expect(prompts()[0]).toContain('1. lookup_order({"orderId":"CC-1234"}) -> {"status":"shipped"}')
  })

  test('pairwise asks both orders; a judge that always prefers the first response gives a tie', async () => {
    script = () => tool('A')
    const result = await runEvaluator(
      pairwise(),
      contextOf({ output: 'Paris.', expected: 'It is Paris, of course.' }),
    )
    expect(result.score).toBe(0.5)
    expect(result.metadata).toMatchObject({
      choice: 'tie',
      outputFirst: 'A',
      baselineFirst: 'A',
      consistent: false,
    })
    const [first, second] = prompts()
    expect(first).toMatch(/\[Response A\]\nParis\.\n\[Response B\]\nIt is Paris, of course\./)
    expect(second).toMatch(/\[Response A\]\nIt is Paris, of course\.\n\[Response B\]\nParis\./)
  })

  test('pairwise: winning both orders scores 1, losing both scores 0', async () => {
    // A judge that prefers whichever response is shorter, wherever it is shown.
    script = (body) => {
      const text = lastUser(body)
      const a = /\[Response A\]\n(.*)\n/.exec(text)![1]!
      const b = /\[Response B\]\n(.*)\n/.exec(text)![1]!
      return tool(a.length < b.length ? 'A' : 'B')
    }
    const win = await runEvaluator(
      pairwise(),
      contextOf({ output: 'Paris', expected: 'It is Paris, of course.' }),
    )
    expect(win).toMatchObject({ score: 1, metadata: { choice: 'output', consistent: true } })
    const loss = await runEvaluator(
      pairwise({ baseline: () => 'Paris' }),
      contextOf({ output: 'The capital of France is Paris.' }),
    )
    expect(loss).toMatchObject({ score: 0, metadata: { choice: 'baseline', consistent: true } })
    expect(loss.metadata?.inputTokens).toBe(200)
  })

  test('an uncalled factory in the evaluator list is named', () => {
    expect(() => validateEvaluators([factuality])).toThrow(
      /factuality is an evaluator factory.*factuality\(\)/,
    )
  })
})
