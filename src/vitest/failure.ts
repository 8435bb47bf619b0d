import type { ItemResult, ScoreResult } from '../schema/meta.js'
import { excerpt } from './excerpt.js'

const EXCERPT_CHARS = 200
const REASON_CHARS = 300

/** The error an eval test fails with. Its stack is just the message: the location is the item. */
export class EvalItemFailure extends Error {
  override name = 'EvalItemFailure'
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.stack = `${this.name}: ${message}`
  }
}

/**
 * The failure message of an item: why it failed (task error/timeout, or each failing thresholded
 * evaluator with score, threshold, reason and error), then excerpts of input, expected and output.
 */
export function failureMessage(result: ItemResult, trials: number): string {
  const trial = trials > 1 ? ` (trial ${result.trial + 1}/${trials})` : ''
  const lines: string[] = []
  if (result.status === 'timeout') {
    lines.push(
      `item #${result.index} ${JSON.stringify(result.itemId)}${trial} timed out: ${result.error?.message ?? ''}`,
    )
  } else if (result.status === 'failed') {
    const error = result.error
    lines.push(
      `item #${result.index} ${JSON.stringify(result.itemId)}${trial} failed: the task threw ${error?.name ?? 'Error'}: ${error?.message ?? ''}`,
    )
  } else {
    const failing = result.scores.filter((score) => score.passed === false)
    lines.push(
      `item #${result.index} ${JSON.stringify(result.itemId)}${trial} failed ${failing.length} of ${result.scores.length} evaluator${result.scores.length === 1 ? '' : 's'}:`,
    )
    for (const score of failing) lines.push(`  ✗ ${describeScore(score)}`)
    const errored = result.scores.filter((score) => score.passed !== false && score.error !== undefined)
    for (const score of errored)
      lines.push(`  ! ${score.metric}: error: ${excerpt(score.error, REASON_CHARS)}`)
  }
  lines.push(`  input:    ${excerpt(result.input, EXCERPT_CHARS)}`)
  if (result.expected !== undefined) lines.push(`  expected: ${excerpt(result.expected, EXCERPT_CHARS)}`)
  if (result.status === 'completed') lines.push(`  output:   ${excerpt(result.output, EXCERPT_CHARS)}`)
  return lines.join('\n')
}

function describeScore(score: ScoreResult): string {
  const parts = [`${score.metric}:`]
  if (score.error !== undefined) {
    parts.push(`error: ${excerpt(score.error, REASON_CHARS)}`)
  } else {
    const comparison = score.inverted ? '<=' : '>='
    parts.push(`score ${formatScore(score.score)}, needs ${comparison} ${score.threshold}`)
  }
  if (score.reason !== undefined) parts.push(`— ${excerpt(score.reason, REASON_CHARS)}`)
  return parts.join(' ')
}

function formatScore(score: number | null): string {
  if (score === null) return 'null'
  return Number.isInteger(score) ? String(score) : score.toFixed(3).replace(/0+$/, '')
}
