import { describe, expect, test } from 'vitest'
import {
  computeSummary,
  evaluateGate,
  evaluateStar,
  evaluationStatus,
  finalStatus,
  fmt,
  percentile,
  type SummaryItem,
  type SummaryScore,
  withVerdict,
} from '../../src/gate/index.js'
import type { MetricSummary } from '../../src/schema/api.js'
import { MetricDefSchema } from '../../src/schema/metric.js'

const metric = (over: Partial<MetricSummary> = {}): MetricSummary => ({
  name: 'm',
  count: 4,
  nullCount: 0,
  errorCount: 0,
  mean: 0.7,
  min: 0.4,
  max: 1,
  passRate: null,
  threshold: 0.5,
  inverted: false,
  ...over,
})

describe('star metric rule', () => {
  const values = [0.4, 0.6, 0.8, 1] // mean 0.7

  test('successThreshold: mean must reach it', () => {
    expect(evaluateStar({ metric: 'm', successThreshold: 0.7 }, metric(), values)).toMatchObject({
      passed: true,
      rule: 'mean>=successThreshold',
      value: 0.7,
    })
  })

  test('successThreshold: items are counted against it for passRatePct', () => {
    const r = evaluateStar({ metric: 'm', successThreshold: 0.7 }, metric(), values)
    expect(r.passRatePct).toBe(50)
    expect(evaluateStar({ metric: 'm', successThreshold: 0.71 }, metric(), values).passed).toBe(false)
  })

  test('successThresholdPct: share of items passing the metric threshold', () => {
    // threshold 0.5 → 0.6, 0.8, 1 pass = 75%
    const ok = evaluateStar({ metric: 'm', successThresholdPct: 75 }, metric(), values)
    expect(ok).toMatchObject({ passed: true, passRatePct: 75, rule: 'passRatePct>=successThresholdPct' })
    expect(evaluateStar({ metric: 'm', successThresholdPct: 76 }, metric(), values).passed).toBe(false)
  })

  test('successThresholdPct with successThreshold: both must hold, items judged by successThreshold', () => {
    const r = evaluateStar({ metric: 'm', successThreshold: 0.6, successThresholdPct: 60 }, metric(), values)
    // mean 0.7 >= 0.6 ok; items >= 0.6: 3/4 = 75% >= 60 ok
    expect(r).toMatchObject({
      passed: true,
      passRatePct: 75,
      rule: 'mean>=successThreshold&passRatePct>=successThresholdPct',
    })
    const r2 = evaluateStar({ metric: 'm', successThreshold: 0.6, successThresholdPct: 80 }, metric(), values)
    expect(r2.passed).toBe(false)
    const r3 = evaluateStar(
      { metric: 'm', successThreshold: 0.75, successThresholdPct: 10 },
      metric(),
      values,
    )
    expect(r3.passed).toBe(false)
  })

  test('percentage-valued metric without successThreshold: mean × 100 vs pct', () => {
    const r = evaluateStar({ metric: 'm', successThresholdPct: 70 }, metric(), values, 'percentage')
    expect(r).toMatchObject({ passed: true, rule: 'mean*100>=successThresholdPct' })
    expect(
      evaluateStar({ metric: 'm', successThresholdPct: 71 }, metric(), values, 'percentage').passed,
    ).toBe(false)
  })

  test('neither set: mean must reach the metric threshold; no threshold fails', () => {
    expect(evaluateStar({ metric: 'm' }, metric(), values)).toMatchObject({
      passed: true,
      rule: 'mean>=threshold',
    })
    expect(evaluateStar({ metric: 'm' }, metric({ threshold: 0.8 }), values).passed).toBe(false)
    expect(evaluateStar({ metric: 'm' }, metric({ threshold: null }), values)).toMatchObject({
      passed: false,
      rule: 'no-threshold',
    })
  })

  test('inverted metrics compare the other way', () => {
    const inv = metric({ inverted: true, threshold: 0.5, mean: 0.3 })
    const low = [0.1, 0.2, 0.3, 0.6]
    expect(evaluateStar({ metric: 'm', successThreshold: 0.3 }, inv, low)).toMatchObject({
      passed: true,
      rule: 'mean<=successThreshold',
    })
    expect(evaluateStar({ metric: 'm', successThreshold: 0.29 }, inv, low).passed).toBe(false)
    expect(evaluateStar({ metric: 'm', successThresholdPct: 75 }, inv, low)).toMatchObject({
      passed: true,
      passRatePct: 75,
    })
  })

  test('no scored items: fails with a null value', () => {
    expect(
      evaluateStar({ metric: 'm', successThreshold: 0 }, metric({ mean: null, count: 0 }), []),
    ).toMatchObject({
      passed: false,
      value: null,
    })
  })
})

describe('gate', () => {
  const totals = { passRate: 0.82, totalCostUsd: 1.5, meanLatencyMs: 100, p95LatencyMs: 300 }
  const metrics = new Map([
    ['acc', metric({ name: 'acc', mean: 0.8, min: 0.2, max: 1, passRate: 0.9 })],
    ['tox', metric({ name: 'tox', mean: 0.1, min: 0, max: 0.4, inverted: true, passRate: 1 })],
  ])

  test('human-readable checks and the first failure', () => {
    const g = evaluateGate(
      {
        passRate: 0.9,
        metrics: { acc: { mean: 0.75, min: 0.1, passRate: 0.95 }, tox: { mean: 0.2, min: 0.3 } },
        maxCostUsd: 2,
        maxMeanLatencyMs: 50,
        maxP95LatencyMs: 300,
      },
      totals,
      metrics,
      null,
    )
    expect(g.passed).toBe(false)
    const by = Object.fromEntries(g.checks.map((c) => [c.condition, c]))
    expect(by.passRate).toMatchObject({ passed: false, message: 'pass rate 0.82 < 0.90', op: '>=' })
    expect(by['metrics.acc.mean']).toMatchObject({ passed: true, message: 'acc mean 0.80 >= 0.75' })
    expect(by['metrics.acc.min']!.passed).toBe(true)
    expect(by['metrics.acc.passRate']).toMatchObject({ passed: false, message: 'acc pass rate 0.90 < 0.95' })
    // inverted: mean must be <=, "min" bounds the highest score
    expect(by['metrics.tox.mean']).toMatchObject({ passed: true, op: '<=' })
    expect(by['metrics.tox.min']).toMatchObject({
      passed: false,
      actual: 0.4,
      message: 'tox max 0.40 > 0.30',
    })
    expect(by.maxCostUsd!.passed).toBe(true)
    expect(by.maxMeanLatencyMs).toMatchObject({ passed: false, message: 'mean latency ms 100 > 50' })
    expect(by.maxP95LatencyMs!.passed).toBe(true)
  })

  test('tiny values stay visible in messages', () => {
    const g = evaluateGate({ maxCostUsd: 0.001 }, { ...totals, totalCostUsd: 0.0032 }, metrics, null)
    expect(g.checks[0]!.message).toBe('total cost USD 0.0032 > 0.0010')
    expect(fmt(0.8237)).toBe('0.82')
    expect(fmt(1.23456)).toBe('1.235')
    expect(fmt(250.55)).toBe('250.6')
    expect(fmt(null)).toBe('n/a')
  })

  test('a metric without scores fails its checks', () => {
    const g = evaluateGate({ metrics: { missing: { mean: 0.5 } } }, totals, metrics, null)
    expect(g.passed).toBe(false)
    expect(g.checks[0]!.message).toContain('has no value')
  })

  test('the star is a gate check unless requireStar is false', () => {
    const star = {
      metric: 'acc',
      value: 0.8,
      passRatePct: null,
      successThreshold: 0.9,
      successThresholdPct: null,
      passed: false,
      rule: 'mean>=successThreshold',
    }
    expect(evaluateGate({ passRate: 0.5 }, totals, metrics, star).passed).toBe(false)
    expect(evaluateGate({ passRate: 0.5, requireStar: false }, totals, metrics, star).passed).toBe(true)
  })
})

describe('computeSummary', () => {
  const item = (i: number, over: Partial<SummaryItem> = {}): SummaryItem => ({
    status: 'completed',
    passed: true,
    latencyMs: (i + 1) * 10,
    startedAtMs: 1000 + i * 10,
    costUsd: 0.5,
    inputTokens: 2,
    outputTokens: 3,
    ...over,
  })
  const score = (metricName: string, s: number | null, over: Partial<SummaryScore> = {}): SummaryScore => ({
    metric: metricName,
    score: s,
    passed: s === null ? null : s >= 0.5,
    threshold: 0.5,
    inverted: false,
    errored: false,
    ...over,
  })
  const metrics = [
    MetricDefSchema.parse({ name: 'acc', threshold: 0.5 }),
    MetricDefSchema.parse({ name: 'unused' }),
  ]

  test('totals, latency, cost, tokens, per-metric stats', () => {
    const items = [
      item(0),
      item(1, { passed: false }),
      item(2, { status: 'timeout', passed: false, costUsd: null, inputTokens: null, outputTokens: null }),
      item(3),
    ]
    const scores = [
      score('acc', 1),
      score('acc', 0.2),
      score('acc', null, { errored: true }),
      score('acc', 0.6),
      score('extra', 0.5, { passed: null, threshold: null }),
    ]
    const s = withVerdict(computeSummary(items, scores, { metrics, star: null, gate: null }), {
      status: 'partially_succeeded',
      errorDescription: null,
    })
    expect(s).toMatchObject({
      totalItems: 4,
      completedItems: 3,
      erroredItems: 1,
      passedItems: 2,
      failedItems: 1,
      passRate: 0.5,
      totalCostUsd: 1.5,
      inputTokens: 6,
      outputTokens: 9,
      meanLatencyMs: 25,
      p95LatencyMs: 40,
      durationMs: 1030 + 40 - 1000,
      star: null,
      gate: null,
      passStatus: false,
      passRule: 'items:failing',
    })
    const acc = s.metrics.find((m) => m.name === 'acc')!
    expect(acc).toMatchObject({ count: 3, nullCount: 1, errorCount: 1, min: 0.2, max: 1, threshold: 0.5 })
    expect(acc.mean).toBeCloseTo(0.6)
    expect(acc.passRate).toBeCloseTo(2 / 3)
    expect(s.metrics.find((m) => m.name === 'unused')).toMatchObject({ count: 0, mean: null, passRate: null })
    expect(s.metrics.find((m) => m.name === 'extra')).toMatchObject({ count: 1, passRate: null })
    expect(finalStatus(s)).toBe('partially_succeeded')
    expect(evaluationStatus(s.verdict)).toBe('completed')
  })

  test('pass status: gate, then star alone, null before finalize', () => {
    const items = [item(0), item(1)]
    const scores = [score('acc', 0.9), score('acc', 0.7)]
    const done = { status: 'succeeded', errorDescription: null } as const
    const withGate = withVerdict(
      computeSummary(items, scores, {
        metrics,
        star: { metric: 'acc', successThreshold: 0.95 },
        gate: { passRate: 1 },
      }),
      done,
    )
    expect(withGate.passStatus).toBe(false)
    expect(withGate.passRule).toBe('gate:star')
    const starOnly = withVerdict(
      computeSummary(items, scores, { metrics, star: { metric: 'acc', successThreshold: 0.8 }, gate: null }),
      done,
    )
    expect(starOnly).toMatchObject({ passStatus: true, passRule: 'star:mean>=successThreshold' })
    const open = computeSummary(items, scores, {
      metrics,
      star: { metric: 'acc', successThreshold: 0.8 },
      gate: null,
    })
    expect(open.passStatus).toBeNull()
    expect(open.star!.passed).toBe(true)
    expect(finalStatus(starOnly)).toBe('succeeded')
    expect(evaluationStatus(starOnly.verdict)).toBe('completed')
    expect(evaluationStatus(open.verdict)).toBe('pending')
  })

  test('empty run and all-errored run', () => {
    const empty = withVerdict(computeSummary([], [], { metrics, star: null, gate: { passRate: 0.5 } }), {
      status: 'succeeded',
      errorDescription: null,
    })
    expect(empty).toMatchObject({
      totalItems: 0,
      passRate: null,
      durationMs: null,
      meanLatencyMs: null,
      passStatus: false,
    })
    const allErr = computeSummary([item(0, { status: 'failed', passed: false })], [], {
      metrics,
      star: null,
      gate: null,
    })
    expect(finalStatus(allErr)).toBe('failed')
  })

  test('percentile is nearest-rank', () => {
    expect(percentile([], 95)).toBeNull()
    expect(percentile([5], 95)).toBe(5)
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95)
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(19)
  })
})
