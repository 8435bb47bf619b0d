/**
 * A real OTel tracer whose spans reach the server only when the test flushes them (the real
 * OTLP/HTTP exporter behind a batch processor that never fires on its own), so a test decides
 * whether spans land before or after what it posts.
 */
import { context, type Tracer, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'

export interface HeldSpans {
  tracer: Tracer
  /** Sends every ended span now; settles once the server has answered. */
  flush(): Promise<void>
  shutdown(): Promise<void>
}

export function heldSpans(serverUrl: string, headers: Record<string, string> = {}): HeldSpans {
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${serverUrl}/v1/traces`, headers }), {
        scheduledDelayMillis: 600_000,
        maxQueueSize: 10_000,
        maxExportBatchSize: 1_000,
      }),
    ],
  })
  return {
    tracer: provider.getTracer('netra.evaluation'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  }
}

/** An ended root span (an SDK's `TestRun.<run>`) with one model call under it that reports its tokens. */
export function itemTrace(
  tracer: Tracer,
  rootName: string,
  tokens: { input: number; output: number },
): { traceId: string; spanId: string } {
  const root = tracer.startSpan(rootName)
  const call = tracer.startSpan('chat', {}, trace.setSpan(context.active(), root))
  call.setAttributes({
    'gen_ai.usage.input_tokens': tokens.input,
    'gen_ai.usage.output_tokens': tokens.output,
  })
  call.end()
  root.end()
  return root.spanContext()
}
