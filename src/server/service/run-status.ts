/**
 * The run status machine: the one place that says which status a run moves to. Status is about
 * execution; whether the run passes is the verdict (src/gate/verdict.ts), which reads it.
 *
 * Events: `items` (a batch was accepted), `complete` (a participant finalized normally; the status
 * is then derived from the items: all errored → failed, some errored or an evaluator error →
 * partially_succeeded, else succeeded), `fail` (a participant reports that the run could not
 * execute), `cancel` (a participant aborted), `evaluate` (server-side scoring of a finalized run is
 * outstanding: the run waits in `evaluating`, its verdict pending, and a `complete` concludes it).
 *
 * | from \ event          | items      | complete   | fail       | cancel     | evaluate   |
 * | --------------------- | ---------- | ---------- | ---------- | ---------- | ---------- |
 * | queued                | running    | derived    | failed     | cancelled  | evaluating |
 * | running, evaluating   | (same)     | derived    | failed     | cancelled  | evaluating |
 * | succeeded, partially_ | (same)     | derived    | failed     | 409        | evaluating |
 * | failed                | failed     | failed     | failed     | 409        | failed     |
 * | cancelled             | 409        | cancelled  | 409        | cancelled  | cancelled  |
 *
 * So: cancelled and failed are final. A failure reported by any shard keeps the run failed, and a
 * later shard's normal finalize does not erase it. A finished run may still take a late shard's
 * items, and its status is derived again from all items (it can only become failed that way, never
 * leave failed). An illegal transition is a ConflictError (HTTP 409) naming the current status.
 */
import type { RunStatus } from '../../schema/api.js'
import { ConflictError } from './errors.js'

export type RunEvent = 'items' | 'complete' | 'fail' | 'cancel' | 'evaluate'

/** The status derived from the items, for `complete` (see `finalStatus` in src/gate/summary.ts). */
export type DerivedStatus = 'succeeded' | 'partially_succeeded' | 'failed'

export function nextRunStatus(
  runId: string,
  current: RunStatus,
  event: RunEvent,
  derived: () => DerivedStatus,
): RunStatus {
  switch (current) {
    case 'cancelled':
      if (event === 'complete' || event === 'cancel' || event === 'evaluate') return 'cancelled'
      throw illegal(runId, current, event)
    case 'failed':
      if (event === 'cancel') throw illegal(runId, current, event)
      return 'failed'
    case 'succeeded':
    case 'partially_succeeded':
      if (event === 'cancel') throw illegal(runId, current, event)
      if (event === 'items') return current
      if (event === 'evaluate') return 'evaluating'
      return event === 'fail' ? 'failed' : derived()
    case 'queued':
    case 'running':
    case 'evaluating':
      if (event === 'items') return current === 'queued' ? 'running' : current
      if (event === 'evaluate') return 'evaluating'
      if (event === 'fail') return 'failed'
      if (event === 'cancel') return 'cancelled'
      return derived()
  }
}

const VERB: Record<RunEvent, string> = {
  items: 'accepts no items',
  complete: 'cannot be completed',
  fail: 'cannot be marked failed',
  cancel: 'cannot be cancelled',
  evaluate: 'cannot be evaluated',
}

function illegal(runId: string, current: RunStatus, event: RunEvent): ConflictError {
  return new ConflictError(`run ${runId} is ${current} and ${VERB[event]}`, { currentStatus: current })
}
