import { describe, expect, test } from 'vitest'
import {
  computeSummary,
  evaluationStatus,
  explainVerdict,
  explainVerdicts,
  type SummaryItem,
  type SummaryScore,
  withVerdict,
} from '../../src/gate/index.js'
import type { RunStatus, Verdict } from '../../src/schema/api.js'
import { MetricDefSchema } from '../../src/schema/metric.js'

type Kind = 'clean' | 'errored' | 'failing' | 'failed' | 'cancelled' | 'empty' | 'pending'
type Star = 'none' | 'passing' | 'failing'

/**
 * A run of 10 items through the real summary: `clean` all pass; `errored` one item timed out;
 * `failing` one item failed its metric; `failed`/`cancelled` are clean runs finalized with that
 * outcome; `empty` has no items; `pending` is a clean run not finalized yet.
 */
function verdictOf(kind: Kind, gated: boolean, star: Star): Verdict {
  const n = kind === 'empty' ? 0 : 10
  const items: SummaryItem[] = []
  const scores: SummaryScore[] = []
  for (let i = 0; i < n; i++) {
    const timedOut = kind === 'errored' && i === 0
    const fails = kind === 'failing' && i === 0
    items.push({
      status: timedOut ? 'timeout' : 'completed',
      passed: !timedOut && !fails,
      latencyMs: 10,
      startedAtMs: 1000 + i,
      costUsd: null,
      inputTokens: null,
      outputTokens: null,
    })
    if (!timedOut) {
      const score = fails ? 0.1 : 0.9
      scores.push({
        metric: 'acc',
        score,
        passed: score >= 0.5,
        threshold: 0.5,
        inverted: false,
        errored: false,
      })
    }
  }
  const status: RunStatus =
    kind === 'pending'
      ? 'running'
      : kind === 'failed'
        ? 'failed'
        : kind === 'cancelled'
          ? 'cancelled'
          : 'succeeded'
  const summary = computeSummary(items, scores, {
    metrics: [MetricDefSchema.parse({ name: 'acc', threshold: 0.5 })],
    star: star === 'none' ? null : { metric: 'acc', successThreshold: star === 'passing' ? 0.5 : 0.99 },
    gate: gated ? { passRate: 0.8 } : null,
  })
  return withVerdict(summary, { status, errorDescription: kind === 'failed' ? 'worker crashed' : null })
    .verdict
}

// Every combination, with the expected verdict written out (not derived from the rules under test).
// passed: true / false / null (no verdict yet); rule: what decided.
const TABLE: Array<[Kind, boolean, Star, boolean | null, string | null]> = [
  ['clean', false, 'none', true, 'items'],
  ['clean', false, 'passing', true, 'star:mean>=successThreshold'],
  ['clean', false, 'failing', false, 'star:mean>=successThreshold'],
  ['clean', true, 'none', true, 'gate'],
  ['clean', true, 'passing', true, 'gate'],
  ['clean', true, 'failing', false, 'gate:star'],
  ['errored', false, 'none', false, 'items:failing'],
  ['errored', false, 'passing', false, 'items:failing'],
  ['errored', false, 'failing', false, 'items:failing'],
  ['errored', true, 'none', true, 'gate'],
  ['errored', true, 'passing', true, 'gate'],
  ['errored', true, 'failing', false, 'gate:star'],
  ['failing', false, 'none', false, 'items:failing'],
  ['failing', false, 'passing', false, 'items:failing'],
  ['failing', false, 'failing', false, 'items:failing'],
  ['failing', true, 'none', true, 'gate'],
  ['failing', true, 'passing', true, 'gate'],
  ['failing', true, 'failing', false, 'gate:star'],
  ['failed', false, 'none', false, 'status:failed'],
  ['failed', false, 'passing', false, 'status:failed'],
  ['failed', false, 'failing', false, 'status:failed'],
  ['failed', true, 'none', false, 'status:failed'],
  ['failed', true, 'passing', false, 'status:failed'],
  ['failed', true, 'failing', false, 'status:failed'],
  ['cancelled', false, 'none', false, 'status:cancelled'],
  ['cancelled', false, 'passing', false, 'status:cancelled'],
  ['cancelled', false, 'failing', false, 'status:cancelled'],
  ['cancelled', true, 'none', false, 'status:cancelled'],
  ['cancelled', true, 'passing', false, 'status:cancelled'],
  ['cancelled', true, 'failing', false, 'status:cancelled'],
  ['empty', false, 'none', false, 'items:none'],
  ['empty', false, 'passing', false, 'items:none'],
  ['empty', false, 'failing', false, 'items:none'],
  ['empty', true, 'none', false, 'items:none'],
  ['empty', true, 'passing', false, 'items:none'],
  ['empty', true, 'failing', false, 'items:none'],
  ['pending', false, 'none', null, null],
  ['pending', false, 'passing', null, null],
  ['pending', false, 'failing', null, null],
  ['pending', true, 'none', null, null],
  ['pending', true, 'passing', null, null],
  ['pending', true, 'failing', null, null],
]

describe('the one verdict', () => {
  test.each(TABLE)('%s run, gated %s, star %s → passed %s (%s)', (kind, gated, star, passed, rule) => {
    const verdict = verdictOf(kind, gated, star)
    expect(verdict.passed).toBe(passed)
    expect(verdict.rule).toBe(rule)
    expect(verdict.gated).toBe(gated)
    expect(evaluationStatus(verdict)).toBe(passed === null ? 'pending' : 'completed')
    // A verdict that does not pass always says why.
    if (passed !== true) expect(verdict.failures.length).toBeGreaterThan(0)
    else expect(verdict.failures).toEqual([])
  })

  test('errored and timed-out items are failing items', () => {
    expect(verdictOf('errored', true, 'none').failingItems).toBe(1)
    expect(verdictOf('errored', false, 'none').failures).toEqual([
      '1 of 10 items failed (1 errored or timed out) and no gate is configured',
    ])
  })

  test('why a run without items, a failed run and a cancelled run do not pass', () => {
    expect(verdictOf('empty', false, 'none').failures).toEqual([
      'the run has no items, so nothing was evaluated',
    ])
    expect(verdictOf('failed', true, 'none').failures).toEqual(['the run failed: worker crashed'])
    expect(verdictOf('cancelled', true, 'none').failures).toEqual(['the run was cancelled'])
    expect(verdictOf('pending', true, 'none').failures).toEqual(['the run is not finalized (status running)'])
  })

  test('one-line explanations', () => {
    const gateFailed = withVerdict(
      computeSummary(
        Array.from({ length: 4 }, (_, i) => ({
          status: 'completed',
          passed: i > 0,
          latencyMs: 1,
          startedAtMs: 0,
          costUsd: null,
          inputTokens: null,
          outputTokens: null,
        })),
        [],
        { metrics: [], star: null, gate: { passRate: 0.8 } },
      ),
      { status: 'succeeded', errorDescription: null },
    ).verdict
    expect(explainVerdict('capitals', gateFailed)).toBe('gate failed for capitals: pass rate 0.75 < 0.80')
    expect(explainVerdict('capitals', verdictOf('cancelled', true, 'none'))).toBe(
      'verdict failed for capitals: the run was cancelled',
    )
    expect(explainVerdict('capitals', verdictOf('failing', true, 'none'))).toBe(
      'capitals passed its gate (1 failing item is within it)',
    )
    expect(explainVerdict('capitals', verdictOf('clean', false, 'none'))).toBe(
      'capitals passed: all 10 items passed',
    )
    expect(explainVerdict('capitals', verdictOf('pending', false, 'none'))).toBe(
      'capitals has no verdict yet: the run is not finalized (status running)',
    )
    expect(
      explainVerdicts([
        { suite: 'a', verdict: verdictOf('failing', true, 'none') },
        { suite: 'b', verdict: verdictOf('errored', true, 'passing') },
        { suite: 'c', verdict: verdictOf('failing', true, 'passing') },
      ]),
    ).toBe('3 failing eval items are within their gates')
    expect(explainVerdicts([{ suite: 'a', verdict: verdictOf('clean', false, 'none') }])).toBe('a passed')
    expect(
      explainVerdicts([
        { suite: 'a', verdict: verdictOf('clean', false, 'none') },
        { suite: 'b', verdict: verdictOf('empty', false, 'none') },
      ]),
    ).toBe('verdict failed for b: the run has no items, so nothing was evaluated')
  })
})
