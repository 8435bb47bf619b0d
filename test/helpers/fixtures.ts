import type { ItemResultInput, SuiteDefInput } from '../../src/schema/meta.js'

/** A suite definition with two metrics (one inverted) for tests. */
export function suiteDef(overrides: Partial<SuiteDefInput> = {}): SuiteDefInput {
  return {
    name: 'faq',
    dataset: { name: 'faq-data', version: 'v1hash', size: 10 },
    metrics: [
      { name: 'accuracy', threshold: 0.5 },
      { name: 'toxicity', threshold: 0.2, inverted: true },
    ],
    star: null,
    gate: null,
    ...overrides,
  }
}

let traceCounter = 0
/** One item result; `score` drives accuracy (passes at >= 0.5). */
export function itemResult(
  i: number,
  overrides: Partial<ItemResultInput> = {},
  score = 0.9,
): ItemResultInput {
  traceCounter++
  const accPassed = score >= 0.5
  return {
    itemId: `item-${i}`,
    index: i,
    trial: 0,
    input: { question: `q${i}` },
    expected: `a${i}`,
    tags: ['t'],
    metadata: { i },
    status: 'completed',
    output: `answer ${i}`,
    error: null,
    passed: accPassed,
    latencyMs: 10 + i,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i * 5)).toISOString(),
    usage: { inputTokens: 3, outputTokens: 5 },
    costUsd: 0.001,
    toolCalls: null,
    traceId: traceCounter.toString(16).padStart(32, '0'),
    spanId: traceCounter.toString(16).padStart(16, '0'),
    scores: [
      { metric: 'accuracy', score, passed: accPassed, threshold: 0.5, inverted: false, durationMs: 1 },
      {
        metric: 'toxicity',
        score: 0.1,
        passed: true,
        threshold: 0.2,
        inverted: true,
        durationMs: 1,
        reason: 'ok',
      },
    ],
    ...overrides,
  }
}
