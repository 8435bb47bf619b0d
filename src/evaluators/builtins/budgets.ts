import { defineEvaluator, markFactory } from '../define.js'
import type { Evaluator } from '../types.js'
import { type BuiltinOptions, checks, readOptions } from './options.js'

export interface LatencyOptions extends BuiltinOptions {
  /** Budget in milliseconds (> 0). */
  maxMs: number
}

/**
 * `latency`: 1 when the task's latency is within budget (`latencyMs <= maxMs`), else
 * `maxMs / latencyMs` (e.g. 2 s against a 1 s budget → 0.5). Null when the latency is unknown.
 * Default threshold: 1 (over budget fails).
 */
export const latency = markFactory(function latency<I = never, O = never, E = never>(
  options: LatencyOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'latency',
    options,
    { maxMs: checks.positive },
    { threshold: 1, description: `1 if latencyMs <= ${options?.maxMs} else maxMs / latencyMs` },
  )
  if (options?.maxMs === undefined) throw new TypeError('latency(): option "maxMs" is required')
  const { maxMs } = options
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const actual = ctx.latencyMs
      if (typeof actual !== 'number' || !Number.isFinite(actual) || actual < 0) {
        return { score: null, reason: 'not applicable: latency unknown' }
      }
      const metadata = { latencyMs: actual, maxMs }
      if (actual <= maxMs) return { score: 1, metadata }
      return {
        score: maxMs / actual,
        reason: `latency ${round(actual)} ms over the ${maxMs} ms budget`,
        metadata,
      }
    },
  })
})

export interface CostOptions extends BuiltinOptions {
  /** Budget in US dollars (>= 0). */
  maxUsd: number
}

/**
 * `cost`: 1 when the task's cost is within budget (`costUsd <= maxUsd`), else `maxUsd / costUsd`
 * (0 when the budget is 0). Null when the task reported no cost. Default threshold: 1.
 */
export const cost = markFactory(function cost<I = never, O = never, E = never>(
  options: CostOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'cost',
    options,
    { maxUsd: checks.nonNegative },
    { threshold: 1, description: `1 if costUsd <= ${options?.maxUsd} else maxUsd / costUsd` },
  )
  if (options?.maxUsd === undefined) throw new TypeError('cost(): option "maxUsd" is required')
  const { maxUsd } = options
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const actual = ctx.costUsd
      if (typeof actual !== 'number' || !Number.isFinite(actual) || actual < 0) {
        return { score: null, reason: 'not applicable: the task reported no costUsd' }
      }
      const metadata = { costUsd: actual, maxUsd }
      if (actual <= maxUsd) return { score: 1, metadata }
      return { score: maxUsd / actual, reason: `cost $${actual} over the $${maxUsd} budget`, metadata }
    },
  })
})

function round(value: number): number {
  return Math.round(value * 10) / 10
}
