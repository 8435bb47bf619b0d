import { describe, expect, test } from 'vitest'
import { type UsageSpan, usageOfItem } from '../../src/server/service/span-usage.js'

const span = (
  spanId: string,
  parentSpanId: string | null,
  durationMs: number,
  attributes: Record<string, unknown> = {},
): UsageSpan => ({ spanId, parentSpanId, durationMs, attributes })

const llm = (
  spanId: string,
  parent: string,
  input: unknown,
  output: unknown,
  extra: Record<string, unknown> = {},
) =>
  span(spanId, parent, 5, {
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
    ...extra,
  })

describe('usageOfItem', () => {
  test("latency is the item span's duration; tokens and cost add up over its subtree only", () => {
    const spans = [
      span('outer', null, 900),
      span('item', 'outer', 120),
      llm('a', 'item', 10, 4, { 'gen_ai.usage.cost': 0.001 }),
      span('tool', 'item', 3),
      llm('b', 'tool', 7, 2, { 'gen_ai.usage.cost': 0.0005 }),
      llm('other', 'outer', 1000, 1000),
    ]
    const usage = usageOfItem(spans, 'item')
    expect(usage).toEqual({ latencyMs: 120, inputTokens: 17, outputTokens: 6, costUsd: expect.any(Number) })
    expect(usage.costUsd).toBeCloseTo(0.0015, 12)
  })

  test('a span repeating its children’s totals is not counted twice; one without children is', () => {
    const spans = [
      span('item', null, 50),
      span('chain', 'item', 40, { 'llm.token_count.prompt': 30, 'llm.token_count.completion': 9 }),
      span('call1', 'chain', 10, { 'llm.token_count.prompt': 20, 'llm.token_count.completion': 6 }),
      span('call2', 'chain', 10, { 'llm.token_count.prompt': 10, 'llm.token_count.completion': 3 }),
      span('lone', 'item', 10, { 'gen_ai.usage.prompt_tokens': 5, 'gen_ai.usage.completion_tokens': 1 }),
    ]
    expect(usageOfItem(spans, 'item')).toEqual({
      latencyMs: 50,
      inputTokens: 35,
      outputTokens: 10,
      costUsd: null,
    })
  })

  test('children that arrived before the item span count; latency waits for it', () => {
    const spans = [llm('a', 'item', 3, 1), span('b', 'a', 1), llm('c', 'b', 2, 2)]
    // `a` has usage but so does `c` below it: only `c` counts
    expect(usageOfItem(spans, 'item')).toEqual({
      latencyMs: null,
      inputTokens: 2,
      outputTokens: 2,
      costUsd: null,
    })
  })

  test('without a span id, the one true root of the trace stands for the item', () => {
    const spans = [span('root', null, 75), llm('a', 'root', 11, 3)]
    expect(usageOfItem(spans, null)).toEqual({
      latencyMs: 75,
      inputTokens: 11,
      outputTokens: 3,
      costUsd: null,
    })
    // the root has not arrived: spans whose parent is missing are not the item
    expect(usageOfItem([llm('a', 'root', 11, 3)], null)).toEqual({
      latencyMs: null,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
    })
    // two roots: which is the item's cannot be told
    expect(usageOfItem([span('r1', null, 1), span('r2', null, 2)], null).latencyMs).toBeNull()
  })

  test('values that are not token counts or costs are skipped; nothing known stays null', () => {
    const spans = [
      span('item', null, 8),
      span('a', 'item', 1, {
        'gen_ai.usage.input_tokens': 2.5,
        'gen_ai.usage.prompt_tokens': 4,
        'gen_ai.usage.output_tokens': '9007199254740993',
        'gen_ai.usage.cost': -1,
      }),
      span('b', 'item', 1, { 'gen_ai.usage.output_tokens': Number.NaN }),
    ]
    expect(usageOfItem(spans, 'item')).toEqual({
      latencyMs: 8,
      inputTokens: 4,
      outputTokens: null,
      costUsd: null,
    })
    expect(usageOfItem([span('item', null, 3)], 'item')).toEqual({
      latencyMs: 3,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
    })
  })

  test('totals beyond a 32-bit count are unknown; a parent cycle ends', () => {
    const big = [
      span('item', null, 1),
      llm('a', 'item', 2_000_000_000, 1),
      llm('b', 'item', 2_000_000_000, 1),
    ]
    expect(usageOfItem(big, 'item')).toMatchObject({ inputTokens: null, outputTokens: 2 })
    const cycle = [span('x', 'y', 1), llm('y', 'x', 3, 3)]
    expect(usageOfItem(cycle, 'x')).toEqual({ latencyMs: 1, inputTokens: 3, outputTokens: 3, costUsd: null })
  })

  test('a trace 100,000 spans deep is walked without a stack overflow', () => {
    const spans = [span('s0', null, 10)]
    for (let i = 1; i < 100_000; i++) spans.push(span(`s${i}`, `s${i - 1}`, 1))
    spans.push(llm('leaf', 's99999', 1, 1))
    expect(usageOfItem(spans, 's0')).toEqual({
      latencyMs: 10,
      inputTokens: 1,
      outputTokens: 1,
      costUsd: null,
    })
  })
})
