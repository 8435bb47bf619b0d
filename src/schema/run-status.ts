// The run status values without zod: the gate's verdict (imported by every Vitest worker through
// `evalgate`) needs them, and importing src/schema/api.ts there would build every API schema.

export const RUN_STATUSES = [
  'queued',
  'running',
  'evaluating',
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
] as const

export type RunStatus = (typeof RUN_STATUSES)[number]

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = [
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
]
