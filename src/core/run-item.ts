import type { Item } from '../dataset/types.js'
import { serverEvaluatorRef } from '../evaluators/server.js'
import type { Evaluator } from '../evaluators/types.js'
import type { JsonValue } from '../schema/common.js'
import type { ItemError, ItemResult, ItemStatus, ScoreResult } from '../schema/meta.js'
import { isoNow } from '../util/iso-now.js'
import { EvalTimeoutError, toItemError } from './errors.js'
import { notEvaluated, runEvaluators } from './evaluate.js'
import type { Limiter } from './limiter.js'
import { onAbort } from './on-abort.js'
import { type NormalisedTaskReturn, normaliseTaskReturn } from './task-result.js'
import { startItemSpan } from './tracing.js'
import type { EvalTask, TaskContext } from './types.js'

export interface RunItemOptions<I, O, E> {
  /** Suite name, used for the span name and attributes. */
  suite: string
  item: Item<I, E>
  /** 0-based trial number. */
  trial: number
  task: EvalTask<I, O, E>
  evaluators: readonly Evaluator[]
  /** The suite's limiter; the item waits for a slot before its task starts. */
  limiter: Limiter
  /** Task time limit in ms, counted from slot acquisition. */
  timeoutMs: number
  /** Time limit of each evaluator in ms, counted from when evaluation starts. Defaults to `timeoutMs`. */
  evaluatorTimeoutMs?: number
  /** Cancels the item (e.g. the Vitest run was aborted). */
  signal?: AbortSignal
}

type Settled<O> =
  | { status: 'completed'; value: O }
  | { status: 'failed'; error: unknown }
  | { status: 'timeout'; error: EvalTimeoutError }

/**
 * Runs one item × trial: waits for a slot of the suite's limiter, calls the task under an OTel span
 * with a timeout counted from slot acquisition and an AbortSignal, then runs the evaluators
 * concurrently while still holding the slot. Never rejects: task errors, timeouts, bad task results
 * and evaluator errors are all recorded in the returned {@link ItemResult}.
 *
 * Rules:
 * - status `completed` when the task returned a recordable result, `timeout` when the time limit
 *   elapsed first (the signal is aborted with an {@link EvalTimeoutError} and the slot is released even
 *   if the task ignores the signal), otherwise `failed` (the task threw, or its result could not be
 *   recorded; see `normaliseTaskReturn`).
 * - evaluators run only for completed tasks; otherwise every metric gets a `null` score with a
 *   "not evaluated" reason (the item has already failed).
 * - `passed` = completed and no evaluator has `passed === false`.
 */
export function runItem<I, O, E>(options: RunItemOptions<I, O, E>): Promise<ItemResult> {
  return options.limiter(() => runInSlot(options))
}

async function runInSlot<I, O, E>(options: RunItemOptions<I, O, E>): Promise<ItemResult> {
  const { suite, item, trial, task, timeoutMs, signal } = options
  // metrics the server scores (serverEvaluator) are declared in the suite, never run here
  const evaluators = options.evaluators.some((e) => serverEvaluatorRef(e) !== undefined)
    ? options.evaluators.filter((e) => serverEvaluatorRef(e) === undefined)
    : options.evaluators
  const startedAt = isoNow()
  const started = performance.now()
  const span = startItemSpan(`eval ${suite} ${item.id}`, {
    'evalgate.suite': suite,
    'evalgate.item.id': item.id,
    'evalgate.item.index': item.index,
    'evalgate.trial': trial,
  })

  const settled = await span.run(() => callTask(task, item, trial, timeoutMs, signal))
  const latencyMs = performance.now() - started

  let status: ItemStatus
  let error: ItemError | null = null
  let normalised: NormalisedTaskReturn<O> | undefined
  let thrown: unknown
  if (settled.status === 'completed') {
    try {
      normalised = normaliseTaskReturn<O>(settled.value)
      status = 'completed'
    } catch (caught) {
      status = 'failed'
      thrown = caught
    }
  } else {
    status = settled.status
    thrown = settled.error
  }
  if (status !== 'completed') error = toItemError(thrown)
  span.end({ status, error: thrown })

  let scores: ScoreResult[]
  if (normalised) {
    scores = await runEvaluators(
      evaluators,
      {
        input: item.input,
        output: normalised.output,
        expected: item.expected,
        metadata: item.metadata,
        tags: item.tags,
        latencyMs,
        usage: normalised.usage,
        costUsd: normalised.costUsd,
        toolCalls: normalised.toolCalls,
      },
      options.evaluatorTimeoutMs ?? timeoutMs,
      signal,
    )
  } else {
    scores = notEvaluated(evaluators, status === 'timeout' ? 'timeout' : 'failed')
  }

  const result: ItemResult = {
    itemId: item.id,
    index: item.index,
    trial,
    input: item.input as JsonValue,
    tags: item.tags,
    metadata: item.metadata,
    status,
    output: normalised ? normalised.outputJson : null,
    error,
    passed: status === 'completed' && !scores.some((score) => score.passed === false),
    latencyMs,
    startedAt,
    usage: normalised?.usage ?? null,
    costUsd: normalised?.costUsd ?? null,
    toolCalls: normalised?.toolCalls ?? null,
    traceId: span.ids.traceId,
    spanId: span.ids.spanId,
    scores,
  }
  if (item.expected !== undefined) result.expected = item.expected as JsonValue
  return result
}

/** Calls the task and settles on its result, its error, the timeout, or cancellation — whichever comes first. */
function callTask<I, O, E>(
  task: EvalTask<I, O, E>,
  item: Item<I, E>,
  trial: number,
  timeoutMs: number,
  cancel: AbortSignal | undefined,
): Promise<Settled<O>> {
  // Created per call even when the task never reads its signal: an AbortController costs ~60 ns,
  // a context object with a lazy `signal` getter ~10 times that.
  const abort = new AbortController()
  return new Promise<Settled<O>>((resolve) => {
    let timer: NodeJS.Timeout | undefined
    let unsubscribe: (() => void) | undefined
    const done = () => {
      clearTimeout(timer)
      unsubscribe?.()
    }
    const onCancel = () => {
      done()
      abort.abort(cancel?.reason)
      resolve({ status: 'failed', error: cancelError(cancel?.reason) })
    }
    if (cancel?.aborted) {
      onCancel()
      return
    }
    timer = setTimeout(() => {
      done()
      const timeout = new EvalTimeoutError(timeoutMs)
      abort.abort(timeout)
      resolve({ status: 'timeout', error: timeout })
    }, timeoutMs)
    if (cancel) unsubscribe = onAbort(cancel, onCancel)
    const context: TaskContext<I, E> = { item, trial, signal: abort.signal }
    let pending: Promise<unknown>
    try {
      pending = Promise.resolve(task(item.input, context))
    } catch (thrownSync) {
      pending = Promise.reject(thrownSync)
    }
    pending.then(
      (value) => {
        done()
        resolve({ status: 'completed', value: value as O })
      },
      (thrown: unknown) => {
        done()
        resolve({ status: 'failed', error: thrown })
      },
    )
  })
}

function cancelError(reason: unknown): Error {
  if (reason instanceof Error) return reason
  const error = new Error(`the item was cancelled${reason === undefined ? '' : `: ${String(reason)}`}`)
  error.name = 'AbortError'
  return error
}
