import { describe, expect, test } from 'vitest'
import {
  type AutoevalsScorer,
  type EvalContext,
  evaluator,
  levenshtein,
  metricDefOf,
  named,
  runEvaluator,
  toEvaluator,
  validateEvaluators,
  withThreshold,
} from '../../src/evaluators/index.js'
import { ScoreResultSchema } from '../../src/schema/meta.js'
import { MetricDefSchema } from '../../src/schema/metric.js'

function ctx(fields: Partial<EvalContext> = {}): EvalContext {
  return {
    input: 'in',
    output: 'out',
    expected: undefined,
    metadata: {},
    tags: [],
    latencyMs: 10,
    usage: null,
    costUsd: null,
    toolCalls: null,
    signal: new AbortController().signal,
    ...fields,
  }
}

async function run(e: Parameters<typeof runEvaluator>[0], fields?: Partial<EvalContext>) {
  const result = await runEvaluator(e, ctx(fields))
  // every result, including error results, is a valid ScoreResult payload
  expect(ScoreResultSchema.parse(result)).toEqual(result)
  return result
}

describe('evaluator()', () => {
  test('numbers are scores; no threshold means passed is null', async () => {
    const result = await run(evaluator('half', () => 0.5))
    expect(result).toMatchObject({
      metric: 'half',
      score: 0.5,
      passed: null,
      threshold: null,
      inverted: false,
    })
    expect(result).not.toHaveProperty('error')
  })

  test('durationMs covers the evaluator', async () => {
    const slow = evaluator('slow', async () => {
      await new Promise((r) => setTimeout(r, 30))
      return 1
    })
    expect((await run(slow)).durationMs).toBeGreaterThanOrEqual(29)
  })

  test('thresholds: score >= threshold passes, <= when inverted', async () => {
    expect((await run(evaluator('t', () => 0.7, { threshold: 0.7 }))).passed).toBe(true)
    expect((await run(evaluator('t', () => 0.69, { threshold: 0.7 }))).passed).toBe(false)
    expect((await run(evaluator('t', () => 0.2, { threshold: 0.3, inverted: true }))).passed).toBe(true)
    expect((await run(evaluator('t', () => 0.31, { threshold: 0.3, inverted: true }))).passed).toBe(false)
  })

  test('booleans score 1/0 and fail on false even without a threshold', async () => {
    const yes = await run(evaluator('b', ({ output }) => output === 'out'))
    const no = await run(evaluator('b', ({ output }) => output === 'other'))
    expect(yes).toMatchObject({ score: 1, passed: true, threshold: 1 })
    expect(no).toMatchObject({ score: 0, passed: false, threshold: 1 })
    // inverted boolean: true is bad
    const hallucinated = await run(evaluator('h', () => true, { inverted: true }))
    expect(hallucinated).toMatchObject({ score: 1, passed: false, threshold: 0, inverted: true })
    // an explicit threshold wins
    expect((await run(evaluator('b', () => false, { threshold: 0 }))).passed).toBe(true)
  })

  test('scoreType boolean defaults the threshold to 1 and only accepts 0/1', async () => {
    const e = evaluator('b', () => 0.5, { scoreType: 'boolean' })
    expect(e.threshold).toBe(1)
    expect(metricDefOf(e)).toMatchObject({ scoreType: 'boolean', threshold: 1 })
    const result = await run(e)
    expect(result).toMatchObject({ score: null, passed: false })
    expect(result.error).toBe(
      'evaluator "b" has scoreType "boolean" but returned 0.5 (boolean scores are 0 or 1)',
    )
  })

  test('null means not applicable: passed null even with a threshold', async () => {
    expect(await run(evaluator('n', () => null, { threshold: 0.5 }))).toMatchObject({
      score: null,
      passed: null,
    })
  })

  test('{ score, reason, metadata } and async functions', async () => {
    const e = evaluator('o', async ({ input }) => ({
      score: true,
      reason: `saw ${String(input)}`,
      metadata: { k: [1] },
    }))
    expect(await run(e)).toMatchObject({ score: 1, passed: true, reason: 'saw in', metadata: { k: [1] } })
  })

  test('metadata is made JSON-safe', async () => {
    const cyclic: Record<string, unknown> = { n: 1n, f: () => 1, inf: Number.POSITIVE_INFINITY }
    cyclic.self = cyclic
    const result = await run(evaluator('m', () => ({ score: 1, metadata: cyclic as never })))
    expect(result.metadata).toEqual({ n: '1', inf: null, self: '[Circular]' })
  })

  test('option errors are thrown at definition', () => {
    expect(() => evaluator('', () => 1)).toThrow(/name must be a non-empty string/)
    expect(() => evaluator('x', 'nope' as never)).toThrow(
      'evaluator "x": the scoring function must be a function, got string ("nope")',
    )
    expect(() => evaluator('x', () => 1, { threshold: 2 })).toThrow(
      'evaluator "x": threshold must be a number in [0, 1] (or null), got number (2)',
    )
    expect(() => evaluator('x', () => 1, { threshold: '0.5' as never })).toThrow(/threshold must be a number/)
    expect(() => evaluator('x', () => 1, { inverted: 'yes' as never })).toThrow(/inverted must be a boolean/)
    expect(() => evaluator('x', () => 1, { scoreType: 'fuzzy' as never })).toThrow(/scoreType must be one of/)
    expect(() => evaluator('x', () => 1, { treshold: 0.5 } as never)).toThrow(
      'evaluator "x": unknown option "treshold"',
    )
  })
})

describe('runEvaluator never throws and rejects bad scores', () => {
  const cases: [string, unknown, string][] = [
    ['too high', 1.7, 'evaluator "bad" returned 1.7, outside [0, 1]'],
    ['negative', -0.1, 'evaluator "bad" returned -0.1, outside [0, 1]'],
    ['NaN', Number.NaN, 'evaluator "bad" returned NaN, not a score in [0, 1]'],
    ['Infinity', Number.POSITIVE_INFINITY, 'evaluator "bad" returned Infinity, outside [0, 1]'],
    ['a string', '0.5', 'evaluator "bad" returned string ("0.5"); expected a number in [0, 1]'],
    ['undefined', undefined, 'evaluator "bad" returned undefined;'],
    [
      'an object without score',
      { value: 1 },
      'evaluator "bad" returned object ({"value":1}) without a score',
    ],
    ['an object with a bad score', { score: 3 }, 'evaluator "bad" returned 3, outside [0, 1]'],
    [
      'a non-string reason',
      { score: 1, reason: 5 },
      'evaluator "bad" returned a reason that is not a string: number (5)',
    ],
    [
      'array metadata',
      { score: 1, metadata: [1] },
      'evaluator "bad" returned metadata that is not an object',
    ],
    ['an array', [1], 'evaluator "bad" returned array ([1])'],
  ]
  test.each(cases)('%s', async (_label, value, message) => {
    const result = await run(evaluator('bad', () => value as never, { threshold: 0.5 }))
    expect(result.score).toBeNull()
    expect(result.passed).toBe(false)
    expect(result.error).toContain(message)
  })

  test('a throwing evaluator (sync or async) yields its message', async () => {
    const sync = await run(
      evaluator('boom', () => {
        throw new Error('kaput')
      }),
    )
    expect(sync).toMatchObject({ score: null, passed: null, error: 'kaput' })
    const thresholded = await run(
      evaluator('boom', async () => Promise.reject(new TypeError('bad')), { threshold: 1 }),
    )
    expect(thresholded).toMatchObject({ score: null, passed: false, threshold: 1, error: 'bad' })
    const odd = await run(
      evaluator('boom', () => {
        throw { code: 42 }
      }),
    )
    expect(odd.error).toBe('non-error value thrown: object ({"code":42})')
  })

  test('a broken hand-made evaluator object still yields a result', async () => {
    const broken = {
      name: 'x',
      scoreType: 'numerical',
      threshold: 0.5,
      inverted: false,
      evaluate: 'nope',
    } as never
    const result = await run(broken)
    expect(result).toMatchObject({ metric: 'x', score: null, passed: false })
    expect(result.error).toMatch(/not a function/)
  })
})

describe('autoevals-style scorers', () => {
  function Levenshtein(args: { output: unknown; expected?: unknown }) {
    return { name: 'Levenshtein', score: args.output === args.expected ? 1 : 0.25, metadata: { seen: args } }
  }

  test('are accepted unchanged, named after the function, without threshold', async () => {
    const e = toEvaluator(Levenshtein as AutoevalsScorer)
    expect(e.name).toBe('Levenshtein')
    expect(e.threshold).toBeNull()
    const result = await run(e, { input: 'q', output: 'a', expected: 'b', metadata: { m: 1 } })
    expect(result).toMatchObject({ metric: 'Levenshtein', score: 0.25, passed: null })
    expect(result.metadata).toEqual({ seen: { input: 'q', output: 'a', expected: 'b', metadata: { m: 1 } } })
  })

  test('async scorers, errors and null scores', async () => {
    const Async = async function Async() {
      return { name: 'Async', score: null }
    }
    expect(await run(toEvaluator(Async as AutoevalsScorer))).toMatchObject({ score: null, passed: null })
    const Failing = function Failing() {
      return { name: 'Failing', score: 0, error: new Error('rate limited') }
    }
    expect(await run(toEvaluator(Failing as AutoevalsScorer))).toMatchObject({
      score: null,
      error: 'rate limited',
    })
    const Wild = function Wild() {
      return { name: 'Wild', score: 1.5 }
    }
    expect((await run(toEvaluator(Wild as AutoevalsScorer))).error).toBe(
      'evaluator "Wild" returned 1.5, outside [0, 1]',
    )
  })

  test('withThreshold and named wrap scorers and evaluators', async () => {
    const gated = withThreshold(Levenshtein as AutoevalsScorer, 0.7)
    expect(gated).toMatchObject({ name: 'Levenshtein', threshold: 0.7 })
    expect(await run(gated, { output: 'a', expected: 'b' })).toMatchObject({
      score: 0.25,
      passed: false,
      threshold: 0.7,
    })
    expect(await run(gated, { output: 'a', expected: 'a' })).toMatchObject({ score: 1, passed: true })
    const renamed = named(Levenshtein as AutoevalsScorer, 'lev-title')
    expect(renamed.name).toBe('lev-title')
    expect((await run(renamed)).metric).toBe('lev-title')
    expect(withThreshold(levenshtein(), 0.9, { name: 'lev-90' })).toMatchObject({
      name: 'lev-90',
      threshold: 0.9,
    })
    expect(() => withThreshold(levenshtein(), 1.5)).toThrow(/threshold must be a number in \[0, 1\]/)
  })

  test('anonymous scorers must be named', async () => {
    expect(() => toEvaluator((() => ({ name: 'x', score: 1 })) as unknown as AutoevalsScorer)).toThrow(
      /anonymous scorer function needs a name/,
    )
    const e = toEvaluator((() => ({ name: 'x', score: 1 })) as unknown as AutoevalsScorer, { name: 'anon' })
    expect((await run(e)).metric).toBe('anon')
  })

  test('plain functions returning scores work through the adapter too', async () => {
    const exact = ({ output, expected }: { output: unknown; expected?: unknown }) => output === expected
    expect(await run(toEvaluator(exact as never), { output: 1, expected: 1 })).toMatchObject({
      metric: 'exact',
      score: 1,
      passed: true,
    })
  })
})

describe('toEvaluator and validateEvaluators', () => {
  test('evalgate evaluators pass through unchanged; hand-written objects get defaults', () => {
    const lev = levenshtein()
    expect(toEvaluator(lev)).toBe(lev)
    const hand = toEvaluator({ name: 'hand', evaluate: () => 1 } as never)
    expect(hand).toMatchObject({ name: 'hand', scoreType: 'numerical', threshold: null, inverted: false })
    expect(() => toEvaluator({ name: 'hand', threshold: 'high', evaluate: () => 1 } as never)).toThrow(
      /evaluator "hand": threshold must be a number/,
    )
  })

  test('an uncalled built-in factory gets a helpful error', () => {
    expect(() => toEvaluator(levenshtein as never)).toThrow(
      'levenshtein is an evaluator factory, not an evaluator: call it, e.g. levenshtein()',
    )
  })

  test('validateEvaluators names the index and what was given', () => {
    expect(validateEvaluators([levenshtein(), evaluator('x', () => 1)]).map((e) => e.name)).toEqual([
      'levenshtein',
      'x',
    ])
    expect(() => validateEvaluators('levenshtein')).toThrow(
      'evaluators must be an array, got string ("levenshtein")',
    )
    expect(() => validateEvaluators([levenshtein(), 'exactMatch'])).toThrow(
      /^evaluators\[1\]: not an evaluator: got string \("exactMatch"\)/,
    )
    expect(() => validateEvaluators([null])).toThrow(/^evaluators\[0\]: not an evaluator: got null/)
    expect(() => validateEvaluators([{ evaluate: () => 1 }])).toThrow(
      'evaluators[0]: an evaluator object needs a non-empty string name, got undefined',
    )
    expect(() => validateEvaluators([levenshtein])).toThrow(
      /^evaluators\[0\]: levenshtein is an evaluator factory/,
    )
    expect(() => validateEvaluators([levenshtein(), evaluator('a', () => 1), levenshtein()])).toThrow(
      /^evaluators\[2\] and evaluators\[0\] are both named "levenshtein"/,
    )
    expect(validateEvaluators([levenshtein(), levenshtein({ name: 'levenshtein-title' })])).toHaveLength(2)
    expect(validateEvaluators([])).toEqual([])
  })

  test('metricDefOf gives a valid MetricDef', () => {
    const def = metricDefOf(
      evaluator('tox', () => 0, { threshold: 0.2, inverted: true, description: 'toxicity' }),
    )
    expect(MetricDefSchema.parse(def)).toEqual(def)
    expect(def).toEqual({
      name: 'tox',
      description: 'toxicity',
      scoreType: 'numerical',
      valueType: 'number',
      rangeMin: 0,
      rangeMax: 1,
      inverted: true,
      threshold: 0.2,
    })
    expect(metricDefOf(levenshtein()).description).toContain(
      '1 − editDistance / max(len(output), len(expected))',
    )
  })
})
