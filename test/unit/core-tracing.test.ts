import { AsyncLocalStorage } from 'node:async_hooks'
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  TraceFlags,
  trace,
} from '@opentelemetry/api'
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { isValidSpanId, isValidTraceId } from '../../src/core/ids.js'
import { createLimiter } from '../../src/core/limiter.js'
import { runItem } from '../../src/core/run-item.js'
import { startItemSpan } from '../../src/core/tracing.js'
import type { Item } from '../../src/dataset/types.js'

/** The smallest AsyncLocalStorage context manager (the SDK's lives in another package). */
class AlsContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>()
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args))
  }
  bind<T>(_ctx: Context, target: T): T {
    return target
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.storage.disable()
    return this
  }
}

const item = (index: number): Item<unknown, unknown> => ({
  id: `id-${index}`,
  index,
  input: index,
  tags: [],
  metadata: {},
})

function runMany(count: number, task: (input: unknown) => unknown = (input) => input) {
  const limiter = createLimiter(4)
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      runItem({ suite: 'otel', item: item(i), trial: 0, task, evaluators: [], limiter, timeoutMs: 5000 }),
    ),
  )
}

afterEach(() => {
  trace.disable()
  context.disable()
})

describe('trace and span ids without an OpenTelemetry SDK', () => {
  it('the API alone yields all-zero ids, so evalgate generates valid, unique ones', async () => {
    const noop = trace.getTracer('x').startSpan('probe').spanContext()
    expect(noop.traceId).toBe('0'.repeat(32))
    const results = await runMany(50)
    for (const r of results) {
      expect(isValidTraceId(r.traceId)).toBe(true)
      expect(isValidSpanId(r.spanId)).toBe(true)
    }
    expect(new Set(results.map((r) => r.traceId)).size).toBe(50)
    expect(new Set(results.map((r) => r.spanId)).size).toBe(50)
  })

  it("keeps an active parent's trace id but never copies its span id", () => {
    context.setGlobalContextManager(new AlsContextManager())
    const parent = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }
    const ids = context.with(trace.setSpan(context.active(), trace.wrapSpanContext(parent)), () => {
      const span = startItemSpan('eval s i', {})
      span.end({ status: 'completed' })
      return span.ids
    })
    expect(ids.traceId).toBe(parent.traceId)
    expect(ids.spanId).not.toBe(parent.spanId)
    expect(isValidSpanId(ids.spanId)).toBe(true)
  })

  it('makes the generated ids the active span context inside the task', async () => {
    context.setGlobalContextManager(new AlsContextManager())
    const [result] = await runMany(1, () => trace.getActiveSpan()?.spanContext().spanId ?? 'none')
    expect(result?.output).toBe(result?.spanId)
  })
})

describe('trace and span ids with a registered SDK', () => {
  it("records the SDK's span ids, name and attributes, and marks failures", async () => {
    const exporter = new InMemorySpanExporter()
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    )
    const results = await runMany(5, (input) => {
      if (input === 3) throw new Error('broken')
      return input
    })
    const spans = exporter.getFinishedSpans()
    expect(spans).toHaveLength(5)
    for (const result of results) {
      const span = spans.find((s) => s.spanContext().spanId === result.spanId)
      expect(span, `span of ${result.itemId}`).toBeDefined()
      expect(span?.spanContext().traceId).toBe(result.traceId)
      expect(span?.name).toBe(`eval otel ${result.itemId}`)
      expect(span?.instrumentationScope.name).toBe('evalgate')
      expect(span?.attributes).toMatchObject({
        'evalgate.suite': 'otel',
        'evalgate.item.id': result.itemId,
        'evalgate.item.index': result.index,
        'evalgate.trial': 0,
        'evalgate.item.status': result.status,
      })
      expect(span?.status.code).toBe(result.status === 'failed' ? 2 : 0)
    }
  })

  it('uses the SDK ids even when the span is sampled out (non-recording but valid)', async () => {
    const exporter = new InMemorySpanExporter()
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({
        sampler: new AlwaysOffSampler(),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      }),
    )
    const results = await runMany(3)
    expect(exporter.getFinishedSpans()).toHaveLength(0)
    for (const r of results) expect(isValidTraceId(r.traceId) && isValidSpanId(r.spanId)).toBe(true)
    expect(new Set(results.map((r) => r.spanId)).size).toBe(3)
  })
})
