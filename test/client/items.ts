import { randomBytes } from 'node:crypto'
import type { ItemResult, SuiteDefInput } from '../../src/schema/meta.js'

/** A valid item result for tests: item `i`, passing unless `passed: false` is given. */
export function makeItem(i: number, overrides: Partial<ItemResult> = {}): ItemResult {
  const passed = overrides.passed ?? true
  return {
    itemId: `item-${i}`,
    index: i,
    trial: 0,
    input: { question: `q${i}` },
    expected: `a${i}`,
    tags: [],
    metadata: {},
    status: 'completed',
    output: passed ? `a${i}` : `wrong${i}`,
    error: null,
    passed,
    latencyMs: 10 + (i % 5),
    startedAt: new Date(1_700_000_000_000 + i).toISOString(),
    usage: { inputTokens: 10, outputTokens: 5 },
    costUsd: 0.001,
    toolCalls: null,
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    scores: [
      {
        metric: 'exact',
        score: passed ? 1 : 0,
        passed,
        threshold: 1,
        inverted: false,
        durationMs: 0.1,
      },
    ],
    ...overrides,
  }
}

export function makeSuite(name: string, overrides: Partial<SuiteDefInput> = {}): SuiteDefInput {
  return {
    name,
    dataset: { name: `${name}-data`, version: 'v1hash', size: 10 },
    turnType: 'single',
    metrics: [{ name: 'exact', threshold: 1 }],
    star: null,
    gate: null,
    ...overrides,
  }
}
