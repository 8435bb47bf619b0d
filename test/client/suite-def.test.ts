/**
 * One suite-definition schema: the same rules and the same message from describeEval (see
 * test/integration/describe-eval-errors.test.ts), runTestSuite, createRun and the native API.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type EvalgateClient } from '../../src/client/client.js'
import { evaluator } from '../../src/evaluators/index.js'
import { SuiteDefError, suiteDefIssues } from '../../src/schema/meta.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { suiteDef } from '../helpers/fixtures.js'
import { client as http } from '../helpers/http.js'

const TYPO = 'gate.metrics names the metric "typo", which is not one of the suite\'s metrics ("exact")'
const RUN_METRIC =
  'gate.runMetrics.spread.of names the metric "relevance", which is not one of the suite\'s metrics ("exact")'
const badRunMetric = { runMetrics: { spread: { type: 'p95' as const, of: 'relevance' } } }

describe('suite-definition rules', () => {
  const metrics = [
    { name: 'exact', threshold: 1 },
    { name: 'score', rangeMin: 0, rangeMax: 10, threshold: 5 },
  ]
  test.each([
    [{ metrics, star: null, gate: null }, []],
    [
      { metrics: [...metrics, { name: 'exact' }], star: null, gate: null },
      ['metrics.2.name: metric "exact" is listed twice'],
    ],
    [
      { metrics, star: { metric: 'nope' }, gate: null },
      [
        'star.metric: star names the metric "nope", which is not one of the suite\'s metrics ("exact", "score")',
      ],
    ],
    [
      { metrics, star: null, gate: { metrics: { typo: { mean: 0.5 } } } },
      [
        'gate.metrics.typo: gate.metrics names the metric "typo", which is not one of the suite\'s metrics ("exact", "score")',
      ],
    ],
    [
      {
        metrics,
        star: { metric: 'exact', successThreshold: 2 },
        gate: { metrics: { score: { mean: 11, min: 3 } } },
      },
      [
        'star.successThreshold: star.successThreshold is 2, outside the range [0, 1] of the metric "exact"',
        'gate.metrics.score.mean: gate.metrics.score.mean is 11, outside the range [0, 10] of the metric "score"',
      ],
    ],
    [
      {
        metrics,
        star: null,
        gate: {
          runMetrics: {
            latency: { type: 'p95', of: 'latencyMs' },
            spread: { type: 'p95', of: 'nope' },
            agreement: { type: 'kappa', predicted: 'scores.judge.choice', label: 'scores.score' },
          },
        },
      },
      [
        'gate.runMetrics.spread.of: gate.runMetrics.spread.of names the metric "nope", which is not one of the suite\'s metrics ("exact", "score")',
        'gate.runMetrics.agreement.predicted: gate.runMetrics.agreement.predicted names the metric "judge", which is not one of the suite\'s metrics ("exact", "score")',
      ],
    ],
    [
      { metrics: [{ name: 'exact', threshold: 1.5 }], star: null, gate: null },
      ['metrics.0.threshold: threshold is 1.5, outside the range [0, 1] of the metric "exact"'],
    ],
  ])('%j → %j', (def, expected) => {
    expect(suiteDefIssues(def).map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(expected)
  })
})

describe('every entry point rejects an unknown gate metric with the same message', () => {
  let dir: string
  let server: RunningServer
  let sdk: EvalgateClient
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evalgate-suitedef-'))
    server = await startServer({ db: join(dir, 's.db') })
    sdk = createClient({ url: server.url, retries: 0 })
  })
  afterAll(async () => {
    await sdk?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const exact = evaluator('exact', ({ output, expected }) => output === expected, { threshold: 1 })

  test('runTestSuite, before any item runs', async () => {
    let calls = 0
    const error = await sdk
      .runTestSuite({
        name: 'capitals',
        data: [{ input: 'France', expected: 'Paris' }],
        task: () => {
          calls++
          return 'Paris'
        },
        evaluators: [exact],
        gate: { metrics: { typo: { mean: 0.5 } } },
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SuiteDefError)
    expect((error as Error).message).toBe(`invalid suite definition "capitals": gate.metrics.typo: ${TYPO}`)
    expect(calls).toBe(0)
  })

  test('createRun', async () => {
    await expect(
      sdk.createRun({ name: 'capitals', evaluators: [exact], gate: { metrics: { typo: { mean: 0.5 } } } }),
    ).rejects.toThrow(`invalid suite definition "capitals": gate.metrics.typo: ${TYPO}`)
  })

  test('the native API (runs and suites)', async () => {
    const api = http(server.url)
    const suite = suiteDef({
      name: 'capitals',
      metrics: [{ name: 'exact', threshold: 1 }],
      gate: { metrics: { typo: { mean: 0.5 } } },
    })
    const run = await api.post('/api/v1/runs', { suite })
    expect(run.status).toBe(400)
    expect(run.body.error).toMatchObject({ path: 'suite.gate.metrics.typo' })
    expect(run.body.error.message).toContain(TYPO)
    const upsert = await api.post('/api/v1/suites', suite)
    expect(upsert.status).toBe(400)
    expect(upsert.body.error.message).toContain(TYPO)
  })

  test('a run metric reading an unknown metric: runTestSuite, createRun and the native API alike (describeEval: test/integration/describe-eval-errors.test.ts)', async () => {
    const expected = `invalid suite definition "capitals": gate.runMetrics.spread.of: ${RUN_METRIC}`
    let calls = 0
    const fromSuite = await sdk
      .runTestSuite({
        name: 'capitals',
        data: [{ input: 'France', expected: 'Paris' }],
        task: () => {
          calls++
          return 'Paris'
        },
        evaluators: [exact],
        gate: badRunMetric,
      })
      .catch((e: unknown) => e)
    expect(fromSuite).toBeInstanceOf(SuiteDefError)
    expect((fromSuite as Error).message).toBe(expected)
    expect(calls).toBe(0)
    const fromCreate = await sdk
      .createRun({ name: 'capitals', evaluators: [exact], gate: badRunMetric })
      .catch((e: unknown) => e)
    expect(fromCreate).toBeInstanceOf(SuiteDefError)
    expect((fromCreate as Error).message).toBe(expected)
    const run = await http(server.url).post('/api/v1/runs', {
      suite: suiteDef({ name: 'capitals', metrics: [{ name: 'exact', threshold: 1 }], gate: badRunMetric }),
    })
    expect(run.status).toBe(400)
    expect(run.body.error).toMatchObject({ path: 'suite.gate.runMetrics.spread.of' })
    expect(run.body.error.message).toContain(RUN_METRIC)
  })
})
