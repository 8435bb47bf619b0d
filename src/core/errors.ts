import type { ItemError } from '../schema/meta.js'

/** The reason a task's AbortSignal carries when the item's timeout elapses. */
export class EvalTimeoutError extends Error {
  override name = 'EvalTimeoutError'
  constructor(readonly timeoutMs: number) {
    super(`task timed out after ${timeoutMs} ms (counted from when the item acquired its concurrency slot)`)
  }
}

/** The task returned something evalgate cannot record (bad usage/cost/toolCalls, non-JSON output). */
export class TaskResultError extends Error {
  override name = 'TaskResultError'
}

/** Converts anything thrown into the `{ name, message, stack }` shape stored with an item. */
export function toItemError(thrown: unknown): ItemError {
  if (thrown instanceof Error) {
    const error: ItemError = {
      name: thrown.name || 'Error',
      message: typeof thrown.message === 'string' ? thrown.message : String(thrown.message),
    }
    if (typeof thrown.stack === 'string') error.stack = thrown.stack
    return error
  }
  return { name: 'NonErrorThrown', message: describeThrown(thrown) }
}

function describeThrown(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown
  try {
    const json = JSON.stringify(thrown)
    if (json !== undefined) return `thrown value: ${json}`
  } catch {
    // fall through: not serialisable
  }
  return `thrown value: ${String(thrown)}`
}
