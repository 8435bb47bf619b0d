// autoevals' own heuristic scorers (no LLM calls) go through evalgate unchanged: no wrapper, no cast.
import { ExactMatch, JSONDiff, Levenshtein, ListContains, NumericDiff, ValidJSON } from 'autoevals'
import { describe, expect, test } from 'vitest'
import {
  type EvalContext,
  type EvaluatorLike,
  levenshtein,
  metricDefOf,
  runEvaluator,
  validateEvaluators,
  withThreshold,
} from '../../src/evaluators/index.js'
import { ScoreResultSchema } from '../../src/schema/meta.js'

function ctx(output: unknown, expected?: unknown): EvalContext {
  return {
    input: 'question',
    output,
    expected,
    metadata: {},
    tags: [],
    latencyMs: 1,
    usage: null,
    costUsd: null,
    toolCalls: null,
    signal: new AbortController().signal,
  }
}

describe('real autoevals scorers', () => {
  test('are accepted in an evaluator list as they are, named after the scorer, without threshold', () => {
    const list: EvaluatorLike[] = [Levenshtein, ExactMatch, NumericDiff, JSONDiff, ValidJSON, ListContains]
    const evaluators = validateEvaluators(list)
    expect(evaluators.map((e) => e.name)).toEqual([
      'Levenshtein',
      'ExactMatch',
      'NumericDiff',
      'JSONDiff',
      'ValidJSON',
      'ListContains',
    ])
    for (const e of evaluators)
      expect(metricDefOf(e)).toMatchObject({ threshold: null, scoreType: 'numerical' })
  })

  test('their scores and metadata come through runEvaluator', async () => {
    const [lev, exact, numeric, list] = validateEvaluators([
      Levenshtein,
      ExactMatch,
      NumericDiff,
      ListContains,
    ])
    const levResult = await runEvaluator(lev!, ctx('kitten', 'sitting'))
    expect(ScoreResultSchema.parse(levResult)).toEqual(levResult)
    expect(levResult).toMatchObject({
      metric: 'Levenshtein',
      score: expect.closeTo(1 - 3 / 7, 12),
      passed: null,
    })
    // autoevals' Levenshtein and evalgate's agree on the formula
    const ours = await runEvaluator(levenshtein(), ctx('kitten', 'sitting'))
    expect(ours.score).toBeCloseTo(levResult.score!, 12)
    expect((await runEvaluator(exact!, ctx('a', 'a'))).score).toBe(1)
    expect((await runEvaluator(numeric!, ctx(90, 100))).score).toBeGreaterThan(0.9)
    const listResult = await runEvaluator(list!, ctx(['a', 'b'], ['a', 'c']))
    expect(listResult.score).toBe(0.5)
    expect(listResult.metadata).toHaveProperty('pairs')
  })

  test('withThreshold gates them', async () => {
    const gated = withThreshold(Levenshtein, 0.8)
    expect(await runEvaluator(gated, ctx('kitten', 'sitting'))).toMatchObject({
      passed: false,
      threshold: 0.8,
    })
    expect(await runEvaluator(gated, ctx('kitten', 'kitten'))).toMatchObject({ score: 1, passed: true })
  })
})
