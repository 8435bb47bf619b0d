import { z } from 'zod'

/** Any JSON value. Model outputs and dataset inputs are arbitrary JSON and are stored verbatim. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
)

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
  }),
})
export type ApiError = z.infer<typeof ApiErrorSchema>

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(1000).default(100),
})
export type PageQuery = z.infer<typeof PageQuerySchema>
