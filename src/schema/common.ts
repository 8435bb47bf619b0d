import * as z from 'zod/mini'
import './zod-locale.js'

/** Any JSON value. Model outputs and dataset inputs are arbitrary JSON and are stored verbatim. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/**
 * Deepest nesting a JSON value may have (a scalar at the top is depth 0, `[1]` is depth 1). Deeper
 * values are refused with a 400 naming the path where the limit is crossed: everything downstream
 * (storage, hashing, comparison) walks values recursively, and real outputs are nowhere near it.
 */
export const MAX_JSON_DEPTH = 256

/**
 * Checked by one iterative walk rather than a recursive zod union: same accepted values, about 3×
 * faster on run-item batches (where JSON fields dominate validation), no stack overflow whatever
 * the nesting, and the issue path still points inside the value (e.g. `items.3.input.messages.0`).
 */
export const JsonValueSchema: z.ZodMiniType<JsonValue> = z.custom<JsonValue>().check(
  z.superRefine((value, ctx) => {
    if (isJsonValue(value)) return
    const bad = firstNonJson(value)
    if (bad) ctx.addIssue({ code: 'custom', message: bad.message, path: bad.path })
  }),
)

/** Whether JsonValueSchema accepts `value` (firstNonJson without building the path). */
export function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value !== 'object') return isJsonScalar(value)
  // explicit stack of [value, depth]: containers only
  const stack: unknown[] = [value]
  const depths: number[] = [0]
  while (stack.length > 0) {
    const v = stack.pop() as object
    const depth = depths.pop()!
    if (!isPlainContainer(v)) return false
    if (depth >= MAX_JSON_DEPTH) return false
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const e = v[i]
        if (e !== null && typeof e === 'object') {
          stack.push(e)
          depths.push(depth + 1)
        } else if (!isJsonScalar(e)) return false
      }
    } else {
      for (const key in v) {
        const e = (v as Record<string, unknown>)[key]
        if (e !== null && typeof e === 'object') {
          stack.push(e)
          depths.push(depth + 1)
        } else if (!isJsonScalar(e)) return false
      }
    }
  }
  return true
}

function isJsonScalar(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    default:
      return value === null
  }
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The first place (depth first, in key order) where `value` is not JSON, with why. */
function firstNonJson(value: unknown): { path: (string | number)[]; message: string } | null {
  type Frame = { value: unknown; path: (string | number)[] }
  const stack: Frame[] = [{ value, path: [] }]
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!
    if (v === null || typeof v !== 'object') {
      if (isJsonScalar(v)) continue
      if (typeof v === 'number') return { path, message: 'must be a finite number' }
      return { path, message: `must be JSON, got ${v === undefined ? 'undefined' : typeof v}` }
    }
    if (!isPlainContainer(v)) {
      return { path, message: 'must be JSON: a plain object, array, string, finite number, boolean or null' }
    }
    if (path.length >= MAX_JSON_DEPTH) {
      return { path, message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` }
    }
    // pushed in reverse so the first child is checked first
    const children: Frame[] = []
    if (Array.isArray(v))
      for (let i = 0; i < v.length; i++) children.push({ value: v[i], path: [...path, i] })
    else
      for (const key in v) children.push({ value: (v as Record<string, unknown>)[key], path: [...path, key] })
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
  }
  return null
}

export const JsonObjectSchema = z.record(z.string(), JsonValueSchema)
export type JsonObject = z.infer<typeof JsonObjectSchema>

/**
 * Largest integer the API stores: integer columns are 32-bit on PostgreSQL, so every stored
 * integer (indexes, trials, token counts, sizes, versions, ordinals) is refused above this with a
 * 400, on both dialects alike.
 */
export const MAX_INT32 = 2_147_483_647

/** Opaque server ids (uuid v4 strings). */
export const IdSchema = z.string().check(z.minLength(1), z.maxLength(200))

/** ISO-8601 timestamps on the wire. */
export const TimestampSchema = z.string()

export const TurnTypeSchema = z.enum(['single', 'multi'])
export type TurnType = z.infer<typeof TurnTypeSchema>

export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  name: z.optional(z.string()),
  toolCallId: z.optional(z.string()),
})
export type ChatMessage = z.infer<typeof ChatMessageSchema>

/** Error body of every non-2xx native API response. */
export const ApiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    code: z.string(),
    /** Path of the first failing field, e.g. `items.3.scores.0.score`. */
    path: z.optional(z.string()),
    /** On a 409 from the run status machine: the run's current status. */
    currentStatus: z.optional(z.string()),
  }),
})
export type ApiError = z.infer<typeof ApiErrorSchema>

export const PageQuerySchema = z.strictObject({
  page: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_INT32)), 1),
  perPage: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 100),
})
export type PageQuery = z.infer<typeof PageQuerySchema>
