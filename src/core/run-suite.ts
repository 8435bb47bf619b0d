import type { Item } from '../dataset/types.js'
import type { Evaluator } from '../evaluators/types.js'
import type { ItemResult } from '../schema/meta.js'
import { createLimiter } from './limiter.js'
import { runItem } from './run-item.js'
import type { EvalTask } from './types.js'

export interface RunSuiteOptions<I, O, E> {
  suite: string
  items: readonly Item<I, E>[]
  task: EvalTask<I, O, E>
  evaluators: readonly Evaluator[]
  concurrency: number
  timeoutMs: number
  evaluatorTimeoutMs?: number
  /** Repeats of each item (default 1). */
  trials?: number
  signal?: AbortSignal
  /** Called as each item × trial finishes (in completion order). */
  onResult?: (result: ItemResult) => void
}

/**
 * Runs every item × trial of a suite outside Vitest (programmatic API) under one limiter.
 * Results are returned in (item, trial) order.
 */
export async function runSuite<I, O, E>(options: RunSuiteOptions<I, O, E>): Promise<ItemResult[]> {
  const trials = options.trials ?? 1
  if (!Number.isInteger(trials) || trials < 1)
    throw new RangeError(`trials must be an integer >= 1, got ${trials}`)
  const limiter = createLimiter(options.concurrency)
  const runs: Promise<ItemResult>[] = []
  for (const item of options.items) {
    for (let trial = 0; trial < trials; trial++) {
      const run = runItem({ ...options, item, trial, limiter })
      const onResult = options.onResult
      runs.push(
        onResult
          ? run.then((result) => {
              onResult(result)
              return result
            })
          : run,
      )
    }
  }
  return Promise.all(runs)
}
