/**
 * Spans received over OTLP (/v1/traces), as the native API and the Netra span probe return them.
 * Ids are lowercase hex; times are nanoseconds since the epoch as decimal strings (exact).
 */
import * as z from 'zod/mini'
import './zod-locale.js'
import { JsonValueSchema } from './common.js'

export const TraceIdSchema = z.string().check(z.regex(/^[0-9a-f]{32}$/))
export const SpanIdSchema = z.string().check(z.regex(/^[0-9a-f]{16}$/))
const NanosSchema = z.string().check(z.regex(/^\d+$/))
const AttributesSchema = z.record(z.string(), JsonValueSchema)

export const SpanKindSchema = z.enum(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'])
export const SpanStatusCodeSchema = z.enum(['unset', 'ok', 'error'])

export const SpanEventSchema = z.object({
  name: z.string(),
  timeUnixNano: NanosSchema,
  attributes: AttributesSchema,
})

export const SpanSchema = z.object({
  traceId: TraceIdSchema,
  spanId: SpanIdSchema,
  parentSpanId: z.nullable(SpanIdSchema),
  name: z.string(),
  kind: SpanKindSchema,
  startTimeUnixNano: NanosSchema,
  endTimeUnixNano: NanosSchema,
  durationMs: z.number(),
  status: z.object({ code: SpanStatusCodeSchema, message: z.nullable(z.string()) }),
  attributes: AttributesSchema,
  events: z.array(SpanEventSchema),
  /** Attributes of the resource that sent the span (`service.name`, SDK, host …). */
  resource: AttributesSchema,
  serviceName: z.nullable(z.string()),
  scope: z.object({ name: z.nullable(z.string()), version: z.nullable(z.string()) }),
})
export type Span = z.infer<typeof SpanSchema>

/**
 * `GET /api/v1/runs/:id/items/:ordinal/spans`: the spans of the item's trace, sorted by start
 * time. When the item's own span (or a descendant of it) has arrived, only that span's subtree;
 * otherwise the whole trace (a trace other items share would then show theirs too).
 */
export const RunItemSpansSchema = z.object({
  traceId: TraceIdSchema,
  /** The item's own span id, the root of its subtree. */
  spanId: z.string(),
  spans: z.array(SpanSchema),
})
export type RunItemSpans = z.infer<typeof RunItemSpansSchema>

/** The Netra span probe `GET /sdk/traces/spans/:spanId`: `data` is null until the span arrives. */
export const SpanProbeResponseSchema = z.object({ data: z.nullable(SpanSchema) })
