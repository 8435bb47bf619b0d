import * as z from 'zod/mini'
import type { JsonValue } from '../schema/common.js'
import { issueLine } from '../schema/issues.js'
import { type ToolCall, ToolCallSchema, type Usage, UsageSchema } from '../schema/meta.js'
import { TaskResultError } from './errors.js'

/** Built once: a task's tool calls are checked on every item that returns them. */
const ToolCallListSchema = z.array(ToolCallSchema)

/**
 * The explicit form a task may return: the output plus what it cost.
 * `usage` counts tokens, `costUsd` is the task's cost in US dollars, `toolCalls` lists the tools the
 * agent called (name, arguments, result), in order.
 */
export interface TaskResult<O = unknown> {
  output: O
  usage?: Usage
  costUsd?: number
  toolCalls?: ToolCall[]
}

/** A task's return value once normalised and made JSON-safe. */
export interface NormalisedTaskReturn<O = unknown> {
  /** The task's output as returned (what evaluators see). */
  output: O
  /** The output converted with JSON semantics (what is recorded). */
  outputJson: JsonValue
  usage: Usage | null
  costUsd: number | null
  toolCalls: ToolCall[] | null
}

const RESULT_KEYS = new Set(['output', 'usage', 'costUsd', 'toolCalls'])

/**
 * The rule telling a {@link TaskResult} from a bare output: a value is a TaskResult when it is a
 * plain object (prototype `Object.prototype` or `null`) that has an own `output` key and whose
 * other own keys are only `usage`, `costUsd` and `toolCalls`. Anything else is the output itself.
 * So a task whose real output is an object shaped like that must wrap it: `{ output: theObject }`.
 */
export function isTaskResult(value: unknown): value is TaskResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  const keys = Object.keys(value)
  if (!Object.hasOwn(value, 'output')) return false
  return keys.every((key) => RESULT_KEYS.has(key))
}

/**
 * Normalises what a task returned. Throws {@link TaskResultError} (recorded as the item's error)
 * when `usage`, `costUsd` or `toolCalls` are malformed or the output is not JSON-serialisable.
 */
export function normaliseTaskReturn<O>(returned: O | TaskResult<O>): NormalisedTaskReturn<O> {
  if (!isTaskResult(returned)) {
    return {
      output: returned as O,
      outputJson: toJson(returned, 'the task output'),
      usage: null,
      costUsd: null,
      toolCalls: null,
    }
  }
  const result = returned as TaskResult<O>
  return {
    output: result.output,
    outputJson: toJson(result.output, 'the task output'),
    usage: result.usage === undefined ? null : parseUsage(result.usage),
    costUsd: result.costUsd === undefined ? null : parseCost(result.costUsd),
    toolCalls: result.toolCalls === undefined ? null : parseToolCalls(result.toolCalls),
  }
}

/**
 * Converts a value with JSON semantics (`undefined` → null, Dates → ISO strings, `toJSON` honoured,
 * NaN/±Infinity → null as JSON.stringify does). A cycle, a BigInt, or a top-level function/symbol
 * raises a TaskResultError naming `what`.
 */
export function toJson(value: unknown, what: string): JsonValue {
  if (value === undefined) return null
  // Primitives need no round trip (most outputs are strings): JSON gives them back unchanged, a
  // lone surrogate included, except non-finite numbers.
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new TaskResultError(`${what} is not JSON-serialisable: ${reason}`)
  }
  if (text === undefined)
    throw new TaskResultError(`${what} is not JSON-serialisable: it is a ${typeof value}`)
  return JSON.parse(text) as JsonValue
}

function parseUsage(usage: unknown): Usage {
  const parsed = UsageSchema.safeParse(usage)
  if (!parsed.success) {
    throw new TaskResultError(
      `the task returned an invalid \`usage\` (expected { inputTokens, outputTokens } as non-negative integers): ${issueLine(parsed.error)}`,
    )
  }
  return parsed.data
}

function parseCost(cost: unknown): number {
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
    throw new TaskResultError(
      `the task returned an invalid \`costUsd\`: expected a finite number >= 0, got ${describe(cost)}`,
    )
  }
  return cost
}

function parseToolCalls(toolCalls: unknown): ToolCall[] {
  if (!Array.isArray(toolCalls)) {
    throw new TaskResultError(
      `the task returned an invalid \`toolCalls\`: expected an array, got ${describe(toolCalls)}`,
    )
  }
  const json = toJson(toolCalls, '`toolCalls`')
  const parsed = ToolCallListSchema.safeParse(json)
  if (!parsed.success) {
    throw new TaskResultError(`the task returned an invalid \`toolCalls\`: ${issueLine(parsed.error)}`)
  }
  return parsed.data
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40))
  return value === null ? 'null' : typeof value
}
