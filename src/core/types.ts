import type { Item } from '../dataset/types.js'
import type { TaskResult } from './task-result.js'

/** What a task receives besides the item's input. */
export interface TaskContext<I = unknown, E = unknown> {
  /** Aborted when the item times out or the run is cancelled; pass it to fetch/SDK calls. */
  signal: AbortSignal
  item: Item<I, E>
  /** 0-based trial number. */
  trial: number
}

/**
 * The code under evaluation. Returns the output alone, or a {@link TaskResult}
 * (`{ output, usage?, costUsd?, toolCalls? }`; see `isTaskResult` for the exact rule).
 */
export type EvalTask<I = unknown, O = unknown, E = unknown> = (
  input: I,
  context: TaskContext<I, E>,
) => O | TaskResult<O> | Promise<O | TaskResult<O>>
