// Run-level metrics: formulas against hand-computed values, and the server computing them over
// every shard's items and gating on them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { computeRunMetrics, type RunMetricRow } from '../../src/gate/run-metrics.js'
import { GateSchema } from '../../src/schema/gate.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { makeItem, makeSuite } from '../client/items.js'

const row = (predicted: string, label: string, over: Partial<RunMetricRow> = {}): RunMetricRow => ({
  status: 'completed',
  output: predicted,
  expected: label,
  metadata: {},
  latencyMs: 10,
  costUsd: null,
  scores: {},
  ...over,
})

// Human labels 6 Y / 4 N; the judge agrees on 8 of 10 (one Y→N, one N→Y).
const HUMAN = 'YYYYYYNNNN'.split('')
const JUDGE = 'YYYYYNYNNN'.split('')
const tenRows = HUMAN.map((label, i) => row(JUDGE[i]!, label))

describe('run metric formulas', () => {
  test("Cohen's κ, accuracy, per-label and macro precision / recall / F1 (hand-computed)", () => {
    const [accuracy, kappa, f1, precisionY] = computeRunMetrics(
      { accuracy: {}, kappa: {}, f1: {}, yPrecision: { type: 'precision', positive: 'Y' } },
      tenRows,
    )
    expect(accuracy).toMatchObject({ value: 0.8, count: 10 })
    // pₒ = 0.8, pₑ = 0.6·0.6 + 0.4·0.4 = 0.52, κ = 0.28 / 0.48
    expect(kappa!.value).toBeCloseTo(0.28 / 0.48, 12)
    expect(kappa!.perLabel).toEqual({
      N: { precision: 0.75, recall: 0.75, f1: 0.75, support: 4 },
      Y: { precision: 5 / 6, recall: 5 / 6, f1: expect.closeTo(5 / 6, 12), support: 6 },
    })
    expect(f1!.value).toBeCloseTo((5 / 6 + 0.75) / 2, 12)
    expect(precisionY!.value).toBeCloseTo(5 / 6, 12)
  })

  test('κ of the textbook 2×2 table (20, 5 / 10, 15) is 0.4', () => {
    const rows = [
      ...Array.from({ length: 20 }, () => row('yes', 'yes')),
      ...Array.from({ length: 5 }, () => row('yes', 'no')),
      ...Array.from({ length: 10 }, () => row('no', 'yes')),
      ...Array.from({ length: 15 }, () => row('no', 'no')),
    ]
    expect(computeRunMetrics({ kappa: {} }, rows)[0]!.value).toBeCloseTo(0.4, 12)
  })

  test('κ is null when chance agreement is certain; items without a label or not completed are left out', () => {
    expect(computeRunMetrics({ kappa: {} }, [row('Y', 'Y'), row('Y', 'Y')])[0]).toMatchObject({
      value: null,
      count: 2,
    })
    const rows = [row('Y', 'Y'), row('N', 'Y', { expected: undefined }), row('N', 'N', { status: 'failed' })]
    expect(computeRunMetrics({ accuracy: {} }, rows)[0]).toMatchObject({ value: 1, count: 1 })
  })

  test("paths: a judge's choice against a label in metadata", () => {
    const rows = [
      row('x', 'x', {
        metadata: { human: 'pass' },
        scores: { judge: { score: 1, metadata: { choice: 'pass' } } },
      }),
      row('x', 'x', {
        metadata: { human: 'fail' },
        scores: { judge: { score: 1, metadata: { choice: 'pass' } } },
      }),
    ]
    const [agreement] = computeRunMetrics(
      { agreement: { type: 'accuracy', predicted: 'scores.judge.choice', label: 'metadata.human' } },
      rows,
    )
    expect(agreement).toMatchObject({ value: 0.5, count: 2 })
  })

  test('mean, median and p95 (nearest rank) of a score, latencyMs or costUsd', () => {
    const rows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) =>
      row('a', 'a', { latencyMs: n * 10, scores: { s: { score: n / 10, metadata: null } } }),
    )
    const [mean, median, p95] = computeRunMetrics(
      { mean: { of: 's' }, median: { of: 'latencyMs' }, p95: { of: 'latencyMs' } },
      rows,
    )
    expect(mean!.value).toBeCloseTo(0.55, 12)
    expect(median!.value).toBe(50)
    expect(p95!.value).toBe(100)
  })

  test('declarations are checked: a type is needed, and `of` for distributions', () => {
    const bad = GateSchema.safeParse({ runMetrics: { agreement: {}, spread: { type: 'p95' } } })
    expect(bad.success).toBe(false)
    expect(bad.error!.issues.map((i) => i.message)).toEqual([
      'run metric "agreement" needs a type: one of accuracy, precision, recall, f1, kappa, mean, median, p95',
      'run metric "spread" (p95) needs `of`: a metric name, latencyMs or costUsd',
    ])
  })
})

describe('run metrics on the server', () => {
  let dir: string
  let server: RunningServer
  let api: EvalgateApi
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evalgate-run-metrics-'))
    server = await startServer({ db: join(dir, 'evalgate.db'), port: 0 })
    api = new EvalgateApi({ url: server.url, retries: 0 })
  })
  afterAll(async () => {
    await api?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const items = () =>
    HUMAN.map((label, i) => makeItem(i, { output: JUDGE[i]!, expected: label, passed: JUDGE[i] === label }))

  test('computed over all shards of a run and gated: κ 0.58 passes min 0.5, fails min 0.6', async () => {
    for (const [min, expected] of [
      [0.5, true],
      [0.6, false],
    ] as const) {
      const suite = makeSuite(`calibration-${min}`, {
        gate: { runMetrics: { kappa: { min }, accuracy: {}, f1: {} } },
      })
      // Two shards join one run and upload half each.
      const first = await api.runs.createOrJoin({ suite, runGroup: 'g' })
      const second = await api.runs.createOrJoin({ suite, runGroup: 'g' })
      expect(second.run.id).toBe(first.run.id)
      await api.runs.addItems(first.run.id, items().slice(0, 5))
      await api.runs.addItems(second.run.id, items().slice(5))
      const run = await api.runs.finalize(first.run.id)
      const byName = Object.fromEntries((run.summary.runMetrics ?? []).map((m) => [m.name, m]))
      expect(byName.kappa!.value).toBeCloseTo(0.28 / 0.48, 9)
      expect(byName.kappa!.count).toBe(10)
      expect(byName.accuracy!.value).toBeCloseTo(0.8, 9)
      expect(byName.f1!.perLabel?.Y?.support).toBe(6)
      const check = run.summary.gate!.checks.find((c) => c.condition === 'runMetrics.kappa.min')
      expect(check).toMatchObject({ passed: expected, expected: min })
      expect(run.summary.passStatus).toBe(expected)
      expect(run.evaluationStatus).toBe('completed')
      if (!expected) {
        expect(run.summary.passRule).toBe('gate:runMetrics.kappa.min')
        expect(check!.message).toBe('kappa 0.583 < 0.6')
      }
    }
  })
})
