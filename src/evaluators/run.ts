import type { JsonObject } from '../schema/common.js'
import type { ScoreResult } from '../schema/meta.js'
import { describeValue } from '../util/describe-value.js'
import { toJsonObject } from '../util/to-json.js'
import type { EvalContext, Evaluator } from './types.js'

interface Normalised {
  score: number | null
  /** The evaluator returned a boolean: pass/fail semantics even without a configured threshold. */
  fromBoolean: boolean
  reason?: string
  metadata?: JsonObject
}

/**
 * Runs one evaluator on one item and returns its ScoreResult. Never throws or rejects:
 * - a thrown error gives `score: null` and `error` = its message;
 * - a score outside [0, 1], NaN, ±Infinity, `undefined` or a value of the wrong type gives
 *   `score: null` and an `error` naming the evaluator and the bad value;
 * - `passed` is null without a threshold; with one, `score >= threshold` (`<=` when inverted);
 *   a null score is `passed: false` when it comes from an error, `passed: null` otherwise
 *   (the metric does not apply to this item).
 * A boolean result scores 1/0; when the evaluator has no threshold, a boolean result is judged
 * against an implicit threshold of 1 (0 when inverted), reported in `threshold`, so `false` fails.
 */
export async function runEvaluator(evaluator: Evaluator, ctx: EvalContext): Promise<ScoreResult> {
  const name = safeName(evaluator)
  const inverted = evaluator?.inverted === true
  const configuredThreshold = typeof evaluator?.threshold === 'number' ? evaluator.threshold : null
  const started = performance.now()
  let normalised: Normalised | undefined
  let error: string | undefined
  try {
    const raw: unknown = await evaluator.evaluate(ctx)
    const result = normalise(name, evaluator.scoreType, raw)
    if (typeof result === 'string') error = result
    else normalised = result
  } catch (thrown) {
    error = errorMessage(thrown)
  }
  const durationMs = Math.max(0, performance.now() - started)

  const threshold = configuredThreshold ?? (normalised?.fromBoolean ? (inverted ? 0 : 1) : null)
  const score = normalised?.score ?? null
  let passed: boolean | null
  if (score === null) passed = error !== undefined && threshold !== null ? false : null
  else if (threshold === null) passed = null
  else passed = inverted ? score <= threshold : score >= threshold

  const result: ScoreResult = { metric: name, score, passed, threshold, inverted, durationMs }
  if (normalised?.reason !== undefined) result.reason = normalised.reason
  if (normalised?.metadata !== undefined) result.metadata = normalised.metadata
  if (error !== undefined) result.error = error
  return result
}

const EXPECTED_RETURN = 'expected a number in [0, 1], a boolean, null, or { score, reason?, metadata? }'

/** A normalised score, or an error message. */
function normalise(name: string, scoreType: unknown, raw: unknown): Normalised | string {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const record = raw as Record<string, unknown>
    if (typeof record.evaluate === 'function') {
      return `evaluator "${name}" returned an evaluator object; pass the evaluator itself, not a function creating one`
    }
    if (!('score' in record))
      return `evaluator "${name}" returned ${describeValue(raw)} without a score; ${EXPECTED_RETURN}`
    const base = normaliseScore(name, scoreType, record.score)
    if (typeof base === 'string') return base
    if (record.reason !== undefined && record.reason !== null) {
      if (typeof record.reason !== 'string') {
        return `evaluator "${name}" returned a reason that is not a string: ${describeValue(record.reason)}`
      }
      base.reason = record.reason
    }
    if (record.metadata !== undefined && record.metadata !== null) {
      if (typeof record.metadata !== 'object' || Array.isArray(record.metadata)) {
        return `evaluator "${name}" returned metadata that is not an object: ${describeValue(record.metadata)}`
      }
      base.metadata = toJsonObject(record.metadata)
    }
    return base
  }
  return normaliseScore(name, scoreType, raw)
}

function normaliseScore(name: string, scoreType: unknown, value: unknown): Normalised | string {
  if (value === null) return { score: null, fromBoolean: false }
  if (typeof value === 'boolean') return { score: value ? 1 : 0, fromBoolean: true }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return `evaluator "${name}" returned NaN, not a score in [0, 1]`
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      return `evaluator "${name}" returned ${String(value)}, outside [0, 1]`
    }
    if (scoreType === 'boolean' && value !== 0 && value !== 1) {
      return `evaluator "${name}" has scoreType "boolean" but returned ${String(value)} (boolean scores are 0 or 1)`
    }
    return { score: value, fromBoolean: false }
  }
  if (value === undefined) {
    return `evaluator "${name}" returned undefined; ${EXPECTED_RETURN} (null when the metric does not apply)`
  }
  return `evaluator "${name}" returned ${describeValue(value)}; ${EXPECTED_RETURN}`
}

function safeName(evaluator: Evaluator): string {
  const name = (evaluator as { name?: unknown } | null)?.name
  return typeof name === 'string' && name !== '' ? name : 'unnamed'
}

export function errorMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name
  if (typeof thrown === 'string') return thrown
  return `non-error value thrown: ${describeValue(thrown)}`
}
