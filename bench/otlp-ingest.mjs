// OTLP trace ingest throughput on SQLite: spans/s through POST /v1/traces, for OTLP/HTTP JSON and
// protobuf, in batches of 512 spans (the BatchSpanProcessor's default maxExportBatchSize).
//
// Bodies are real exporter bodies: spans recorded with the OTel SDK (an agent-like tree: item →
// LLM call with GenAI attributes → tool call with an event) and serialised once, before timing,
// by @opentelemetry/otlp-transformer, the serialiser of the exporters. Every repeat sends fresh
// span ids (a retry of the same spans is measured separately: it stores nothing).
// The server runs in a child process (startServer from an esbuild bundle of src/server/index.ts in
// bench/.tmp/otlp-ingest/, or BENCH_SERVER_ENTRY), so the load generator does not share its loop.
// One request in flight (as one exporter sends), then 4 at once (several workers exporting).
//
// The machine is shared with other work: the 1-minute load average is recorded before and after
// every configuration; compare numbers only at similar load.
//
// Env: BENCH_OTLP_SPANS (spans per repeat, default 20480), BENCH_OTLP_BATCH (512),
// BENCH_OTLP_REPEATS (5).
// Usage: node bench/otlp-ingest.mjs
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { context, SpanKind, trace } from '@opentelemetry/api'
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import {
  buildServerBundle,
  machineInfo,
  median,
  printTable,
  round,
  startServerProcess,
  writeResult,
} from './lib/harness.mjs'

const SPANS = Number(process.env.BENCH_OTLP_SPANS ?? 20_480)
const BATCH = Number(process.env.BENCH_OTLP_BATCH ?? 512)
const REPEATS = Number(process.env.BENCH_OTLP_REPEATS ?? 5)

// ---------- bodies ----------
/** `count` spans as trees of three (item → llm → tool), recorded by the real SDK. */
function recordSpans(count, repeat) {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-agent', 'deployment.environment': 'bench' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  })
  const tracer = provider.getTracer('bench', '1.0.0')
  for (let i = 0; memory.getFinishedSpans().length < count; i++) {
    const item = tracer.startSpan(`eval bench item-${repeat}-${i}`, {
      attributes: { 'evalgate.suite': 'bench', 'evalgate.item.id': `item-${i}`, 'evalgate.trial': 0 },
    })
    const inItem = trace.setSpan(context.active(), item)
    const llm = tracer.startSpan(
      'chat gpt-bench',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-bench',
          'gen_ai.response.model': 'gpt-bench-2026',
          'gen_ai.usage.input_tokens': 100 + (i % 50),
          'gen_ai.usage.output_tokens': 20 + (i % 30),
          'gen_ai.response.finish_reasons': ['stop'],
        },
      },
      inItem,
    )
    const tool = tracer.startSpan(
      'execute_tool lookup',
      { attributes: { 'gen_ai.tool.name': 'lookup', 'gen_ai.tool.call.id': `call-${i}` } },
      trace.setSpan(inItem, llm),
    )
    tool.addEvent('result', { hits: i % 7 })
    tool.end()
    llm.end()
    item.end({ 'evalgate.item.status': 'completed' })
  }
  return memory.getFinishedSpans().slice(0, count)
}

function bodies(spans, encoding) {
  const serializer = encoding === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer
  const out = []
  for (let i = 0; i < spans.length; i += BATCH)
    out.push(Buffer.from(serializer.serializeRequest(spans.slice(i, i + BATCH))))
  return out
}

const CONTENT_TYPE = { json: 'application/json', protobuf: 'application/x-protobuf' }

// ---------- server in a child process ----------

// ---------- measurement ----------
async function send(url, encoding, list, concurrency) {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length) {
        const body = list[next++]
        const res = await fetch(`${url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': CONTENT_TYPE[encoding] },
          body,
        })
        const answer = Buffer.from(await res.arrayBuffer())
        // an empty ExportTraceServiceResponse: `{}` in JSON, zero bytes in protobuf
        const full = encoding === 'json' ? answer.toString() === '{}' : answer.length === 0
        if (res.status !== 200 || !full)
          throw new Error(`HTTP ${res.status}: ${answer.toString().slice(0, 200)}`)
      }
    }),
  )
  return performance.now() - started
}

function stats(values) {
  return {
    median: round(median(values)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  }
}

const entry = buildServerBundle('otlp-ingest')
const dir = mkdtempSync(join(tmpdir(), 'evalgate-bench-otlp-'))
const server = await startServerProcess(entry, { db: join(dir, 'evalgate.db'), cwd: dir })
const results = []
try {
  for (const encoding of ['json', 'protobuf']) {
    for (const concurrency of [1, 4]) {
      process.stdout.write(`otlp-ingest: ${encoding}, ${concurrency} in flight …\n`)
      const loadBefore = round(loadavg()[0], 2)
      const rates = []
      let bytes = 0
      let lastBodies = []
      for (let r = 0; r < REPEATS; r++) {
        lastBodies = bodies(recordSpans(SPANS, `${encoding}-${concurrency}-${r}`), encoding)
        bytes = lastBodies.reduce((n, b) => n + b.length, 0)
        const ms = await send(server.url, encoding, lastBodies, concurrency)
        rates.push((SPANS / ms) * 1000)
      }
      // an exporter's retry of batches already stored (ON CONFLICT DO NOTHING)
      const resendMs = await send(server.url, encoding, lastBodies, concurrency)
      results.push({
        encoding,
        concurrency,
        spans: SPANS,
        batch: BATCH,
        repeats: REPEATS,
        bytesPerSpan: round(bytes / SPANS, 1),
        spansPerSec: stats(rates),
        resendSpansPerSec: round((SPANS / resendMs) * 1000),
        loadavg1: { before: loadBefore, after: round(loadavg()[0], 2) },
      })
    }
  }
} finally {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}

const result = {
  machine: await machineInfo(),
  note: 'shared machine (2 cores, other builds and tests running): compare only at similar load averages',
  results,
}
writeResult('otlp-ingest', result)
printTable([
  [
    'encoding',
    'in flight',
    'spans/s median',
    'min',
    'max',
    'retry spans/s',
    'bytes/span',
    'load before/after',
  ],
  ...results.map((r) => [
    r.encoding,
    r.concurrency,
    r.spansPerSec.median,
    r.spansPerSec.min,
    r.spansPerSec.max,
    r.resendSpansPerSec,
    r.bytesPerSpan,
    `${r.loadavg1.before} / ${r.loadavg1.after}`,
  ]),
])
