import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import {
  contains,
  containsAll,
  containsAny,
  cost,
  type EvalContext,
  type Evaluator,
  exactMatch,
  jsonDiff,
  jsonSimilarity,
  jsonValid,
  latency,
  levenshtein,
  levenshteinDistance,
  listContains,
  numericDiff,
  regex,
  runEvaluator,
  toolCalls,
} from '../../src/evaluators/index.js'
import { ScoreResultSchema } from '../../src/schema/meta.js'

async function score(e: Evaluator<never, never, never>, fields: Partial<EvalContext>) {
  const result = await runEvaluator(e as Evaluator, {
    input: null,
    output: null,
    expected: undefined,
    metadata: {},
    tags: [],
    latencyMs: 0,
    usage: null,
    costUsd: null,
    toolCalls: null,
    signal: new AbortController().signal,
    ...fields,
  })
  expect(ScoreResultSchema.parse(result)).toEqual(result)
  return result
}

describe('exactMatch', () => {
  test('strings are trimmed; case option', async () => {
    expect(await score(exactMatch(), { output: ' Paris\n', expected: 'Paris' })).toMatchObject({
      score: 1,
      passed: true,
      threshold: 1,
    })
    expect(await score(exactMatch(), { output: 'paris', expected: 'Paris' })).toMatchObject({
      score: 0,
      passed: false,
    })
    expect(
      (await score(exactMatch({ caseSensitive: false }), { output: 'paris', expected: 'Paris' })).score,
    ).toBe(1)
    expect((await score(exactMatch({ trim: false }), { output: 'Paris ', expected: 'Paris' })).score).toBe(0)
  })
  test('JSON values compare canonically, without coercion', async () => {
    expect(
      (await score(exactMatch(), { output: { b: [1, 2], a: 1 }, expected: { a: 1, b: [1, 2] } })).score,
    ).toBe(1)
    expect((await score(exactMatch(), { output: { a: [2, 1] }, expected: { a: [1, 2] } })).score).toBe(0)
    const numeric = await score(exactMatch(), { output: '42', expected: 42 })
    expect(numeric.score).toBe(0)
    expect(numeric.reason).toBe('output "42" does not equal expected 42')
  })
  test('expected option, and null without expected', async () => {
    expect((await score(exactMatch({ expected: 'x' }), { output: 'x' })).score).toBe(1)
    expect(await score(exactMatch(), { output: 'x' })).toMatchObject({ score: null, passed: null })
  })
})

describe('contains / containsAll / containsAny', () => {
  test('contains', async () => {
    expect((await score(contains(), { output: 'refunds within 30 days', expected: '30 days' })).score).toBe(1)
    expect((await score(contains(), { output: 'within 30 DAYS', expected: '30 days' })).score).toBe(0)
    expect(
      (await score(contains({ caseSensitive: false }), { output: 'within 30 DAYS', expected: '30 days' }))
        .score,
    ).toBe(1)
    expect((await score(contains({ expected: 'x' }), { output: 'abc' })).reason).toBe(
      'output does not contain "x"',
    )
    const bad = await score(contains(), { output: { text: 'a' }, expected: 'a' })
    expect(bad).toMatchObject({
      score: null,
      passed: false,
      error: 'contains: output must be a string, got object ({"text":"a"})',
    })
  })
  test('containsAll scores the share found', async () => {
    const result = await score(containsAll({ expected: ['a', 'b', 'c', 'd'] }), { output: 'a b' })
    expect(result).toMatchObject({ score: 0.5, passed: false, threshold: 1, reason: 'missing "c", "d"' })
    expect((await score(containsAll(), { output: 'A B', expected: ['a', 'b'] })).score).toBe(0)
    expect(
      (await score(containsAll({ caseSensitive: false }), { output: 'A B', expected: ['a', 'b'] })).score,
    ).toBe(1)
    expect((await score(containsAll(), { output: 'a', expected: 'a' })).error).toMatch(
      /expected must be a non-empty array of non-empty strings/,
    )
  })
  test('containsAny', async () => {
    expect((await score(containsAny({ expected: ['x', 'b'] }), { output: 'abc' })).score).toBe(1)
    expect((await score(containsAny({ expected: ['x', 'y'] }), { output: 'abc' })).score).toBe(0)
  })
  test('options are validated', () => {
    expect(() => containsAll({ expected: [] })).toThrow(
      'containsAll(): option "expected" must be a non-empty array of non-empty strings, got array ([])',
    )
    expect(() => contains({ caseSensitve: false } as never)).toThrow(
      /contains\(\): unknown option "caseSensitve"/,
    )
    expect(() => contains({ threshold: -1 })).toThrow(/threshold must be a number in \[0, 1\]/)
  })
})

describe('regex', () => {
  test('matches with a RegExp or a string + flags; g is harmless', async () => {
    const e = regex({ pattern: /\d{3}-\d{4}/g })
    expect(await score(e, { output: 'call 555-1234' })).toMatchObject({
      score: 1,
      metadata: { match: '555-1234', index: 5 },
    })
    expect((await score(e, { output: 'call 555-1234' })).score).toBe(1) // no lastIndex state
    expect((await score(e, { output: 'no number' })).score).toBe(0)
    expect((await score(regex({ pattern: '^yes', flags: 'i' }), { output: 'YES!' })).score).toBe(1)
  })
  test('requires a valid pattern', () => {
    expect(() => regex({} as never)).toThrow('regex(): option "pattern" is required')
    expect(() => regex({ pattern: '(' })).toThrow(/regex\(\): invalid pattern/)
  })
})

describe('levenshtein', () => {
  test('distance', () => {
    expect(levenshteinDistance('kitten', 'sitting')).toBe(3)
    expect(levenshteinDistance('', 'abc')).toBe(3)
    expect(levenshteinDistance('flaw', 'lawn')).toBe(2)
    expect(levenshteinDistance('😀a', 'a')).toBe(1) // code points, not UTF-16 units
  })
  test('1 − d / maxLen; both empty → 1', async () => {
    expect((await score(levenshtein(), { output: 'kitten', expected: 'sitting' })).score).toBeCloseTo(
      1 - 3 / 7,
      12,
    )
    expect(await score(levenshtein(), { output: '', expected: '' })).toMatchObject({
      score: 1,
      passed: null,
      threshold: null,
    })
    expect((await score(levenshtein(), { output: 'abc', expected: '' })).score).toBe(0)
    expect(
      (await score(levenshtein({ caseSensitive: false }), { output: 'ABC', expected: 'abc' })).score,
    ).toBe(1)
    expect(await score(levenshtein({ threshold: 0.8 }), { output: 'abcd', expected: 'abce' })).toMatchObject({
      score: 0.75,
      passed: false,
      metadata: { distance: 1 },
    })
  })
  test('non-strings are an error, huge inputs are refused', async () => {
    expect((await score(levenshtein(), { output: 5, expected: '5' })).error).toBe(
      'levenshtein: output must be a string, got number (5)',
    )
    const big = 'a'.repeat(20_000)
    expect((await score(levenshtein(), { output: big, expected: `${big}b` })).error).toMatch(
      /too long to compare/,
    )
  })
})

describe('numericDiff', () => {
  test('relative difference', async () => {
    expect((await score(numericDiff(), { output: 90, expected: 100 })).score).toBeCloseTo(0.9, 12)
    expect((await score(numericDiff(), { output: 0, expected: 0 })).score).toBe(1)
    expect((await score(numericDiff(), { output: 5, expected: -5 })).score).toBe(0)
    expect((await score(numericDiff(), { output: 0, expected: 3 })).score).toBe(0)
    expect((await score(numericDiff(), { output: -2, expected: -4 })).score).toBe(0.5)
  })
  test('tolerance and numeric strings', async () => {
    expect((await score(numericDiff({ tolerance: 0.5 }), { output: 10.4, expected: 10 })).score).toBe(1)
    expect((await score(numericDiff({ tolerance: 0.5 }), { output: 11, expected: 10 })).score).toBeCloseTo(
      1 - 1 / 11,
      12,
    )
    expect((await score(numericDiff(), { output: '42', expected: 42 })).error).toBe(
      'numericDiff: output must be a finite number, got string ("42") (set parseStrings: true to read numeric strings)',
    )
    expect(
      (await score(numericDiff({ parseStrings: true }), { output: ' 4.2e1 ', expected: 42 })).score,
    ).toBe(1)
    expect(
      (await score(numericDiff({ parseStrings: true }), { output: '42 apples', expected: 42 })).error,
    ).toMatch(/must be a finite number/)
  })
})

describe('jsonValid', () => {
  const Contact = z.object({ name: z.string(), email: z.string().email() })
  test('parses strings, accepts JSON values', async () => {
    expect(await score(jsonValid(), { output: '{"a":1}' })).toMatchObject({ score: 1, passed: true })
    expect(await score(jsonValid(), { output: { a: [1, null] } })).toMatchObject({ score: 1 })
    const bad = await score(jsonValid(), { output: '{"a":' })
    expect(bad).toMatchObject({ score: 0, passed: false })
    expect(bad.reason).toMatch(/^output is not valid JSON: /)
    // a non-string output must already be plain JSON: class instances are not
    expect(await score(jsonValid(), { output: { d: new Date(0) } })).toMatchObject({
      score: 0,
      reason: 'output is not JSON at d: a Date instance is not a JSON value (use plain objects and arrays)',
    })
    expect((await score(jsonValid(), { output: { n: Number.NaN } })).reason).toBe(
      'output is not JSON at n: NaN is not a JSON number',
    )
  })
  test('validates against a zod schema and lists the issues', async () => {
    const e = jsonValid({ schema: Contact })
    expect((await score(e, { output: '{"name":"Ada","email":"ada@example.com"}' })).score).toBe(1)
    const result = await score(e, { output: { name: 7, email: 'nope' } })
    expect(result.score).toBe(0)
    expect(result.reason).toMatch(/^does not match the schema: name: .+; email: .+/)
    expect(result.metadata).toMatchObject({
      issues: [expect.stringMatching(/^name: /), expect.stringMatching(/^email: /)],
    })
    expect(() => jsonValid({ schema: {} as never })).toThrow(/option "schema" must be a zod schema/)
  })
})

describe('jsonDiff', () => {
  test('objects average over the union of keys', () => {
    expect(jsonSimilarity({ a: 1, b: 'x' }, { a: 1, b: 'x' })).toBe(1)
    expect(jsonSimilarity({ a: 1 }, { a: 1, b: 2 })).toBe(0.5) // b missing
    expect(jsonSimilarity({ a: 1, c: 3 }, { a: 1, b: 2 })).toBeCloseTo(1 / 3, 12) // union {a,b,c}
    expect(jsonSimilarity({ a: 90 }, { a: 100 })).toBeCloseTo(0.9, 12)
    expect(jsonSimilarity({ s: 'abcd' }, { s: 'abce' })).toBe(0.75)
    expect(jsonSimilarity({ a: undefined }, {})).toBe(1)
    expect(jsonSimilarity({}, {})).toBe(1)
  })
  test('arrays by position over the longer length; type mismatches score 0', () => {
    expect(jsonSimilarity([1, 2, 3], [1, 2])).toBeCloseTo(2 / 3, 12)
    expect(jsonSimilarity([], [])).toBe(1)
    expect(jsonSimilarity([2, 1], [1, 2])).toBe(0.5) // 1 vs 2 → 0.5, 2 vs 1 → 0.5 … averaged
    expect(jsonSimilarity('1', 1)).toBe(0)
    expect(jsonSimilarity(null, null)).toBe(1)
    expect(jsonSimilarity(true, false)).toBe(0)
    expect(jsonSimilarity({ a: { b: [true, 'x'] } }, { a: { b: [true, 'y'] } })).toBe(0.5)
    expect(jsonSimilarity({ s: 'abcd' }, { s: 'abce' }, { exactStrings: true })).toBe(0)
  })
  test('the evaluator parses string outputs and lists differing paths', async () => {
    const result = await score(jsonDiff(), {
      output: '{"name":"Ada","age":36}',
      expected: { name: 'Ada', age: 40, city: 'London' },
    })
    expect(result.score).toBeCloseTo((1 + 0.9 + 0) / 3, 12)
    expect(result.reason).toBe('differs at age (36 vs 40), city (missing in output)')
    expect((await score(jsonDiff(), { output: 'not json', expected: { a: 1 } })).score).toBe(0)
    expect((await score(jsonDiff({ strings: 'exact' }), { output: 'ab', expected: 'ac' })).score).toBe(0)
    expect((await score(jsonDiff(), { output: 'ab', expected: 'ac' })).score).toBe(0.5)
    expect((await score(jsonDiff(), { output: {} })).score).toBeNull()
  })
})

describe('listContains', () => {
  test('share of expected elements present, multiset-aware', async () => {
    expect((await score(listContains(), { output: ['a', 'b', 'c'], expected: ['a', 'c'] })).score).toBe(1)
    expect(await score(listContains(), { output: ['a'], expected: ['a', 'a'] })).toMatchObject({
      score: 0.5,
      passed: false,
      reason: 'missing 1 of 2: "a"',
    })
    expect(
      (await score(listContains(), { output: [{ id: 1, x: [2] }], expected: [{ x: [2], id: 1 }] })).score,
    ).toBe(1)
    expect((await score(listContains(), { output: ['A'], expected: ['a'] })).score).toBe(0)
    expect(
      (await score(listContains({ caseSensitive: false }), { output: ['A'], expected: ['a'] })).score,
    ).toBe(1)
    expect((await score(listContains(), { output: [], expected: [] })).score).toBe(1)
    expect((await score(listContains(), { output: 'a,b', expected: ['a'] })).error).toBe(
      'listContains: output must be an array, got string ("a,b")',
    )
  })
})

describe('toolCalls', () => {
  const call = (name: string, args?: unknown) =>
    args === undefined ? { name } : { name, arguments: args as never }
  test('F1 over tool names, any order', async () => {
    const result = await score(toolCalls({ expected: ['search', 'fetch'] }), {
      toolCalls: [call('fetch'), call('search'), call('log')],
    })
    // m = 2, expected 2, actual 3 → 2·2 / 5
    expect(result.score).toBeCloseTo(0.8, 12)
    expect(result.metadata).toMatchObject({ matched: 2, precision: 2 / 3, recall: 1 })
    expect(result.reason).toContain('matched 2 of 2 expected call(s) among 3 actual call(s)')
    expect((await score(toolCalls({ expected: ['a', 'a'] }), { toolCalls: [call('a')] })).score).toBeCloseTo(
      2 / 3,
      12,
    )
    expect((await score(toolCalls({ expected: [] }), { toolCalls: [] })).score).toBe(1)
    expect((await score(toolCalls({ expected: [] }), { toolCalls: [call('a')] })).score).toBe(0)
  })
  test('ordered uses the longest common subsequence', async () => {
    const fields = { toolCalls: [call('fetch'), call('search')] }
    expect((await score(toolCalls({ expected: ['search', 'fetch'] }), fields)).score).toBe(1)
    expect((await score(toolCalls({ expected: ['search', 'fetch'], ordered: true }), fields)).score).toBe(0.5)
    const longer = { toolCalls: [call('a'), call('x'), call('b'), call('c')] }
    expect((await score(toolCalls({ expected: ['a', 'b', 'c'], ordered: true }), longer)).score).toBeCloseTo(
      (2 * 3) / 7,
      12,
    )
  })
  test('checkArguments requires deep-equal arguments', async () => {
    const fields = { toolCalls: [call('search', { q: 'paris', limit: 5 })] }
    const expected = [{ name: 'search', arguments: { limit: 5, q: 'paris' } }]
    expect((await score(toolCalls({ expected, checkArguments: true }), fields)).score).toBe(1)
    const wrong = [{ name: 'search', arguments: { q: 'london', limit: 5 } }]
    expect((await score(toolCalls({ expected: wrong, checkArguments: true }), fields)).score).toBe(0)
    expect((await score(toolCalls({ expected: wrong }), fields)).score).toBe(1)
    expect((await score(toolCalls({ expected: ['search'], checkArguments: true }), fields)).score).toBe(1)
  })
  test('falls back to output.toolCalls and to the item expected', async () => {
    const result = await score(toolCalls(), {
      output: { text: 'ok', toolCalls: [call('search')] },
      expected: { toolCalls: ['search'] },
    })
    expect(result.score).toBe(1)
    expect((await score(toolCalls(), { output: 'x', expected: ['search'] })).error).toMatch(
      /no tool calls recorded/,
    )
    expect((await score(toolCalls(), { toolCalls: [], expected: 'search' })).error).toMatch(
      /expected must be an array of tool calls/,
    )
    expect((await score(toolCalls(), { toolCalls: [] })).score).toBeNull()
  })
})

describe('latency and cost budgets', () => {
  test('latency: 1 within budget, else budget / actual', async () => {
    expect(await score(latency({ maxMs: 1000 }), { latencyMs: 1000 })).toMatchObject({
      score: 1,
      passed: true,
      threshold: 1,
    })
    expect(await score(latency({ maxMs: 1000 }), { latencyMs: 2000 })).toMatchObject({
      score: 0.5,
      passed: false,
      reason: 'latency 2000 ms over the 1000 ms budget',
    })
    expect(await score(latency({ maxMs: 1000 }), { latencyMs: Number.NaN })).toMatchObject({
      score: null,
      passed: null,
    })
    expect(() => latency({} as never)).toThrow('latency(): option "maxMs" is required')
    expect(() => latency({ maxMs: 0 })).toThrow(/option "maxMs" must be a finite number > 0/)
  })
  test('cost: 1 within budget, else budget / actual, null when unknown', async () => {
    expect((await score(cost({ maxUsd: 0.01 }), { costUsd: 0.005 })).score).toBe(1)
    expect((await score(cost({ maxUsd: 0.01 }), { costUsd: 0.04 })).score).toBeCloseTo(0.25, 12)
    expect((await score(cost({ maxUsd: 0 }), { costUsd: 0.04 })).score).toBe(0)
    expect(await score(cost({ maxUsd: 0.01 }), { costUsd: null })).toMatchObject({
      score: null,
      passed: null,
    })
  })
})

describe('names', () => {
  test('default to the built-in name; name option for a second instance', () => {
    expect(levenshtein().name).toBe('levenshtein')
    expect(levenshtein({ name: 'title-similarity' }).name).toBe('title-similarity')
    expect(exactMatch().scoreType).toBe('boolean')
    expect(jsonDiff().threshold).toBeNull()
    expect(listContains().threshold).toBe(1)
    expect(levenshtein({ threshold: null }).threshold).toBeNull()
  })
})
