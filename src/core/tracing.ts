import { createRequire } from 'node:module'
import type { Attributes, Span, Tracer, TracerProvider } from '@opentelemetry/api'
import { randomSpanId, randomTraceId } from './ids.js'

export const TRACER_NAME = 'evalgate'

type OtelApi = typeof import('@opentelemetry/api')

/**
 * Where every copy of the OpenTelemetry API v1 keeps the registered SDK parts (tracer provider,
 * context manager, propagator): absent until something registers one.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1')
let api: OtelApi | undefined

/**
 * The OpenTelemetry API, loaded the first time an item starts after an SDK registered itself.
 * Without one the API is a no-op, so the ~20 ms of loading it in every Vitest worker is skipped.
 */
function otel(): OtelApi | undefined {
  if (!(OTEL_GLOBAL in globalThis)) return undefined
  api ??= createRequire(import.meta.url)('@opentelemetry/api') as OtelApi
  return api
}

let cached: { provider: TracerProvider; tracer: Tracer } | undefined

/** The evalgate tracer of the current global provider (re-resolved when the provider changes). */
function tracer(otelApi: OtelApi): Tracer {
  const provider = otelApi.trace.getTracerProvider()
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer(TRACER_NAME) }
  return cached.tracer
}

export interface SpanIds {
  traceId: string
  spanId: string
}

/** One item × trial's span: its ids are always valid, whether or not an OTel SDK is registered. */
export interface ItemSpan {
  readonly ids: SpanIds
  /** Runs `fn` with this span active, so spans the task creates become its children. */
  run<T>(fn: () => T): T
  end(outcome: { status: string; error?: unknown }): void
}

/**
 * Starts the span that wraps one task call. With a registered SDK the ids are the SDK's. With the
 * API's no-op tracer the span context is either all zeros or a copy of the active parent's; in
 * both cases fresh random ids are used (keeping the parent's trace id when there is one), so every
 * item still gets a unique, valid trace/span id pair.
 */
export function startItemSpan(name: string, attributes: Attributes): ItemSpan {
  const otelApi = otel()
  if (!otelApi) {
    // No SDK: no span to record, no context to carry; the item still gets unique, valid ids.
    return new UnrecordedSpan({ traceId: randomTraceId(), spanId: randomSpanId() })
  }
  const { context, isSpanContextValid, SpanKind, SpanStatusCode, TraceFlags, trace } = otelApi
  const parentContext = context.active()
  const parent = trace.getSpanContext(parentContext)
  const validParent = parent && isSpanContextValid(parent) ? parent : undefined
  const span = tracer(otelApi).startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parentContext)
  const own = span.spanContext()
  const recorded = isSpanContextValid(own) && own.spanId !== validParent?.spanId

  let ids: SpanIds
  let active: Span = span
  if (recorded) {
    ids = { traceId: own.traceId, spanId: own.spanId }
  } else {
    ids = { traceId: validParent?.traceId ?? randomTraceId(), spanId: randomSpanId() }
    // Expose the generated ids to the task (e.g. for logging) through the active context.
    active = trace.wrapSpanContext({ ...ids, traceFlags: TraceFlags.NONE })
  }
  const activeContext = trace.setSpan(parentContext, active)

  return {
    ids,
    run: (fn) => context.with(activeContext, fn),
    end({ status, error }) {
      span.setAttribute('evalgate.item.status', status)
      if (error !== undefined) {
        if (error instanceof Error) span.recordException(error)
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        })
      }
      span.end()
    },
  }
}

/** The span of an item when no SDK is registered: ids only (a class: no closures per item). */
class UnrecordedSpan implements ItemSpan {
  constructor(readonly ids: SpanIds) {}
  run<T>(fn: () => T): T {
    return fn()
  }
  end(): void {}
}
