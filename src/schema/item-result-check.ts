import { isJsonValue, MAX_INT32 } from './common.js'
import type { ItemResult, ScoreResult, ToolCall } from './meta.js'

const ITEM_KEYS = new Set([
  'itemId',
  'index',
  'trial',
  'input',
  'expected',
  'tags',
  'metadata',
  'status',
  'output',
  'error',
  'passed',
  'latencyMs',
  'startedAt',
  'usage',
  'costUsd',
  'toolCalls',
  'traceId',
  'spanId',
  'scores',
])
/** Keys ItemResultSchema requires (the others are optional or defaulted). */
const REQUIRED_ITEM_KEYS = ITEM_KEYS.size - 3
const SCORE_KEYS = new Set([
  'metric',
  'score',
  'passed',
  'threshold',
  'inverted',
  'reason',
  'metadata',
  'error',
  'durationMs',
])
const REQUIRED_SCORE_KEYS = SCORE_KEYS.size - 3
const TRACE_ID = /^[0-9a-f]{32}$/
const SPAN_ID = /^[0-9a-f]{16}$/

/**
 * The item as ItemResultSchema would output it, when `raw` is certainly valid; undefined otherwise
 * (then parse it with the schema, which names the first bad field). It accepts a subset of what zod
 * accepts (anything unusual, e.g. an unknown key that zod would strip, or a key present with the
 * value undefined, is left to zod), and what it returns equals zod's output: objects zod copies
 * field by field (error, tool calls) are rebuilt in schema key order so they serialise
 * identically; the item and its scores are returned as given (only known keys, all read field by
 * field), with the `tags` / `metadata` defaults applied. Several times faster than zod, and it
 * copies nothing else: the run-item upload route and the reporter check every item with it.
 */
export function validItemResult(raw: unknown): ItemResult | undefined {
  if (!isObject(raw)) return undefined
  let required = 0
  for (const key in raw) {
    if (!ITEM_KEYS.has(key) || (raw as Record<string, unknown>)[key] === undefined) return undefined
    if (key !== 'expected' && key !== 'tags' && key !== 'metadata') required++
  }
  if (required !== REQUIRED_ITEM_KEYS) return undefined
  const it = raw as Record<string, unknown>
  const { itemId, tags, metadata, status, error, usage, toolCalls, scores } = it
  if (typeof itemId !== 'string' || itemId.length < 1 || itemId.length > 500) return undefined
  if (!isNonNegativeInt(it.index) || !isNonNegativeInt(it.trial)) return undefined
  if (!isJsonValue(it.input)) return undefined
  if (it.expected !== undefined && !isJsonValue(it.expected)) return undefined
  if (tags !== undefined && !isStringArray(tags)) return undefined
  if (metadata !== undefined && !isJsonRecord(metadata)) return undefined
  if (status !== 'completed' && status !== 'failed' && status !== 'timeout') return undefined
  if (it.output !== null && !isJsonValue(it.output)) return undefined
  if (typeof it.passed !== 'boolean') return undefined
  if (!isNonNegativeNumber(it.latencyMs) || typeof it.startedAt !== 'string') return undefined
  if (usage !== null && !isUsage(usage)) return undefined
  if (it.costUsd !== null && !isNonNegativeNumber(it.costUsd)) return undefined
  if (typeof it.traceId !== 'string' || !TRACE_ID.test(it.traceId)) return undefined
  if (typeof it.spanId !== 'string' || !SPAN_ID.test(it.spanId)) return undefined
  if (!Array.isArray(scores)) return undefined
  for (let i = 0; i < scores.length; i++) if (!isScore(scores[i])) return undefined
  let itemError: ItemResult['error'] = null
  if (error !== null) {
    const e = validError(error)
    if (e === undefined) return undefined
    itemError = e
  }
  let calls: ToolCall[] | null = null
  if (toolCalls !== null) {
    if (!Array.isArray(toolCalls)) return undefined
    calls = new Array(toolCalls.length)
    for (let i = 0; i < toolCalls.length; i++) {
      const call = validToolCall(toolCalls[i])
      if (call === undefined) return undefined
      calls[i] = call
    }
  }
  const result = { ...it, error: itemError, toolCalls: calls } as ItemResult
  if (tags === undefined) result.tags = []
  if (metadata === undefined) result.metadata = {}
  return result
}

function isScore(raw: unknown): raw is ScoreResult {
  if (!isObject(raw)) return false
  let required = 0
  for (const key in raw) {
    if (!SCORE_KEYS.has(key) || (raw as Record<string, unknown>)[key] === undefined) return false
    if (key !== 'reason' && key !== 'metadata' && key !== 'error') required++
  }
  if (required !== REQUIRED_SCORE_KEYS) return false
  const s = raw as Record<string, unknown>
  const { metric, score, passed, threshold, reason, metadata, error } = s
  return (
    typeof metric === 'string' &&
    metric.length >= 1 &&
    (score === null || (isFiniteNumber(score) && score >= 0 && score <= 1)) &&
    (passed === null || typeof passed === 'boolean') &&
    (threshold === null || isFiniteNumber(threshold)) &&
    typeof s.inverted === 'boolean' &&
    (reason === undefined || typeof reason === 'string') &&
    (metadata === undefined || isJsonRecord(metadata)) &&
    (error === undefined || typeof error === 'string') &&
    isNonNegativeNumber(s.durationMs)
  )
}

function validError(raw: unknown): NonNullable<ItemResult['error']> | undefined {
  if (!isObject(raw)) return undefined
  for (const key in raw) {
    if (key !== 'name' && key !== 'message' && key !== 'stack') return undefined
    if ((raw as Record<string, unknown>)[key] === undefined) return undefined
  }
  const { name, message, stack } = raw as Record<string, unknown>
  if (typeof name !== 'string' || typeof message !== 'string') return undefined
  if (stack === undefined) return { name, message }
  return typeof stack === 'string' ? { name, message, stack } : undefined
}

function validToolCall(raw: unknown): ToolCall | undefined {
  if (!isObject(raw)) return undefined
  for (const key in raw) {
    if (key !== 'name' && key !== 'arguments' && key !== 'result') return undefined
    if ((raw as Record<string, unknown>)[key] === undefined) return undefined
  }
  const { name, arguments: args, result } = raw as Record<string, unknown>
  if (typeof name !== 'string') return undefined
  const call: ToolCall = { name }
  if (args !== undefined) {
    if (!isJsonValue(args)) return undefined
    call.arguments = args
  }
  if (result !== undefined) {
    if (!isJsonValue(result)) return undefined
    call.result = result
  }
  return call
}

function isUsage(raw: unknown): boolean {
  if (!isObject(raw)) return false
  let keys = 0
  for (const key in raw) {
    if (key !== 'inputTokens' && key !== 'outputTokens') return false
    keys++
  }
  const { inputTokens, outputTokens } = raw as Record<string, unknown>
  return keys === 2 && isNonNegativeInt(inputTokens) && isNonNegativeInt(outputTokens)
}

/** What z.object accepts as its input (zod's own test: a non-null, non-array object). */
export function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * What JsonObjectSchema (z.record) accepts and copies unchanged: a plain object of JSON values.
 * Own `__proto__` (which zod drops) and `constructor` (which zod's plain-object test reads) keys
 * and symbol keys are left to zod.
 */
function isJsonRecord(value: unknown): boolean {
  if (!isObject(value)) return false
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  if (Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor')) return false
  // zod checks symbol keys against z.string() (and rejects them); JSON has none
  if (Object.getOwnPropertySymbols(value).length > 0) return false
  return isJsonValue(value)
}

function isStringArray(value: unknown): boolean {
  if (!Array.isArray(value)) return false
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false
  return true
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function isNonNegativeNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

function isNonNegativeInt(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_INT32
}
