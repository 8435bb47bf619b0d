import pLimit, { type LimitFunction } from 'p-limit'

/** A suite's concurrency limiter: at most `concurrency` items hold a slot at once. */
export type Limiter = LimitFunction

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${String(concurrency)}`)
  }
  return pLimit(concurrency)
}
