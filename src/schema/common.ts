import { z } from 'zod'

/** Any JSON value. Model outputs and dataset inputs are arbitrary JSON and are stored verbatim. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/**
 * Checked by one recursive walk rather than a recursive zod union: same accepted values, but
 * about 3× faster on run-item batches (where JSON fields dominate validation), and the issue path
 * still points inside the value (e.g. `items.3.input.messages.0`).
 */
export const JsonValueSchema: z.ZodType<JsonValue> = z.custom<JsonValue>().superRefine((value, ctx) => {
  if (isJsonValue(value)) return
  const bad = firstNonJson(value, [])
  if (bad) ctx.addIssue({ code: 'custom', message: bad.message, path: bad.path })
})

/**
 * Whether JsonValueSchema accepts `value`: the same walk as firstNonJson without building paths
 * (which only the error needs).
 */
export function isJsonValue(value: unknown): value is JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isJsonValue(value[i])) return false
        return true
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      for (const key in value) if (!isJsonValue((value as Record<string, unknown>)[key])) return false
      return true
    }
    default:
      return false
  }
}

function firstNonJson(
  value: unknown,
  path: (string | number)[],
): { path: (string | number)[]; message: string } | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null
    case 'number':
      return Number.isFinite(value) ? null : { path, message: 'must be a finite number' }
    case 'object': {
      if (value === null) return null
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const bad = firstNonJson(value[i], [...path, i])
          if (bad) return bad
        }
        return null
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) {
        return {
          path,
          message: 'must be JSON: a plain object, array, string, finite number, boolean or null',
        }
      }
      for (const key in value) {
        const bad = firstNonJson((value as Record<string, unknown>)[key], [...path, key])
        if (bad) return bad
      }
      return null
    }
    default:
      return { path, message: `must be JSON, got ${value === undefined ? 'undefined' : typeof value}` }
  }
}

export const JsonObjectSchema = z.record(z.string(), JsonValueSchema)
export type JsonObject = z.infer<typeof JsonObjectSchema>

/** Opaque server ids (uuid v4 strings). */
export const IdSchema = z.string().min(1).max(200)

/** ISO-8601 timestamps on the wire. */
export const TimestampSchema = z.string()

export const TurnTypeSchema = z.enum(['single', 'multi'])
export type TurnType = z.infer<typeof TurnTypeSchema>

export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  name: z.string().optional(),
  toolCallId: z.string().optional(),
})
export type ChatMessage = z.infer<typeof ChatMessageSchema>

/** Error body of every non-2xx native API response. */
export const ApiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    code: z.string(),
    /** Path of the first failing field, e.g. `items.3.scores.0.score`. */
    path: z.string().optional(),
    /** On a 409 from the run status machine: the run's current status. */
    currentStatus: z.string().optional(),
  }),
})
export type ApiError = z.infer<typeof ApiErrorSchema>

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(1000).default(100),
})
export type PageQuery = z.infer<typeof PageQuerySchema>
