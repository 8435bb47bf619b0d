/**
 * Netra run items get their latency, tokens and cost from their OTLP spans (reference §7.3 rule 8):
 * the SDK stand-in runs each item in a real OTel span, the task's model call is a child span with
 * GenAI usage attributes, and the real OTLP exporter sends them to the real server, before and
 * after the items are posted. On SQLite and PostgreSQL.
 */
import { context, type Span, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'
import { heldSpans, itemTrace } from './held-spans.js'
import { NetraTestClient } from './netra-client.js'
import { startNetraServer, type TestServer } from './netra-server.js'

/** Tokens and cost the stand-in model call of each question reports. */
const CALLS: Record<string, { input: number; output: number; cost: number }> = {
  q0: { input: 11, output: 3, cost: 0.0011 },
  q1: { input: 22, output: 5, cost: 0.0022 },
  q2: { input: 33, output: 7, cost: 0.0033 },
  q3: { input: 44, output: 9, cost: 0.0044 },
}

interface NativeItem {
  itemId: string
  traceId: string
  spanId: string
  latencyMs: number | null
  usage: { inputTokens: number; outputTokens: number } | null
  costUsd: number | null
  input: { q: string }
}

describe.each(DIALECTS)('Netra items filled from their spans (%s)', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: TestServer
  let key: string
  const contextManager = new AsyncLocalStorageContextManager()

  beforeAll(async () => {
    server = await startNetraServer(await dbs.next())
    const project = await server.services.projects.ensure('spans')
    key = (await server.services.projects.createKey(project.id)).key
    // the SDK's task runs inside the item's span: its model call becomes a child of it
    context.setGlobalContextManager(contextManager.enable())
  })
  afterAll(async () => {
    context.disable()
    await server?.close()
  })

  const itemsOf = async (runId: string): Promise<Map<string, NativeItem>> => {
    const res = await client(server.url, key).get(`/api/v1/runs/${runId}/results?perPage=100`)
    expect(res.status).toBe(200)
    return new Map((res.body.items as NativeItem[]).map((item) => [item.input.q, item]))
  }

  test('latency from the item span, tokens and cost from its model calls, whichever arrives first', async () => {
    // Spans are exported only when flushed: the test decides what reaches the server when.
    const spans = heldSpans(server.url, { 'x-api-key': key })
    const tracer = spans.tracer
    const itemSpans = new Map<string, Span>()
    // q0 and q2 flush their model call's span before their item is posted: the post fills them
    const flushFirst = new Set(['q0', 'q2'])
    const task = async (input: unknown) => {
      const q = (input as { q: string }).q
      itemSpans.set(q, trace.getActiveSpan()!)
      const call = CALLS[q]!
      await tracer.startActiveSpan('chat stand-in-model', async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        span.setAttributes({
          'gen_ai.usage.input_tokens': call.input,
          'gen_ai.usage.output_tokens': call.output,
          'gen_ai.usage.cost': call.cost,
        })
        span.end()
      })
      if (flushFirst.has(q)) await spans.flush()
      return `answer to ${q}`
    }
    const netra = new NetraTestClient({ endpoint: server.url, apiKey: key })
    const items = Object.keys(CALLS).map((q) => ({ input: { q }, expectedOutput: `answer to ${q}` }))
    // one at a time, so what each flush sends is known
    const suite = await netra.runTestSuite('spans-run', { items }, task, [], 1, { tracer })
    expect(suite).not.toBeNull()
    await suite!.settled

    // Sent so far: q0's model call (before q0's post), then q0's item span, q1's call and item
    // span, and q2's call (q2's flush, before q2's post). q3's spans have not been sent.
    let byQ = await itemsOf(suite!.runId)
    expect(byQ.get('q0')).toMatchObject({ usage: { inputTokens: 11, outputTokens: 3 } })
    expect(byQ.get('q0')!.latencyMs).toBeGreaterThan(5)
    expect(byQ.get('q1')).toMatchObject({ usage: { inputTokens: 22, outputTokens: 5 } })
    expect(byQ.get('q1')!.latencyMs).toBeGreaterThan(5)
    // q2: its call arrived before its post, its item span not yet (it ends after the post):
    // its latency is not known yet, nor is anything of q3
    expect(byQ.get('q2')).toMatchObject({ latencyMs: null, usage: { inputTokens: 33, outputTokens: 7 } })
    expect(byQ.get('q2')!.costUsd).toBeCloseTo(0.0033, 10)
    expect(byQ.get('q3')).toMatchObject({ latencyMs: null, usage: null, costUsd: null })
    // the summary's latency is over the items whose latency is known: q0 and q1
    const known = [byQ.get('q0')!.latencyMs!, byQ.get('q1')!.latencyMs!]
    const early = await client(server.url, key).get(`/api/v1/runs/${suite!.runId}`)
    expect(early.status).toBe(200)
    expect(early.body.summary.meanLatencyMs).toBeCloseTo((known[0]! + known[1]!) / 2, 6)
    expect(early.body.summary.p95LatencyMs).toBe(Math.max(...known))

    await spans.flush()
    byQ = await itemsOf(suite!.runId)
    for (const [q, call] of Object.entries(CALLS)) {
      const item = byQ.get(q)!
      const span = itemSpans.get(q)!
      expect(item.traceId).toBe(span.spanContext().traceId)
      expect(item.spanId).toBe(span.spanContext().spanId)
      expect(item.usage).toEqual({ inputTokens: call.input, outputTokens: call.output })
      expect(item.costUsd).toBeCloseTo(call.cost, 10)
      // the item span: the task (≥ 5 ms) and the post
      expect(item.latencyMs).toBeGreaterThan(5)
      expect(item.latencyMs).toBeLessThan(10_000)
    }

    // the run's summary is computed again from the filled items
    const run = await client(server.url, key).get(`/api/v1/runs/${suite!.runId}`)
    expect(run.status).toBe(200)
    expect(run.body.summary).toMatchObject({ inputTokens: 110, outputTokens: 24 })
    expect(run.body.summary.totalCostUsd).toBeCloseTo(0.011, 10)
    expect(run.body.summary.meanLatencyMs).toBeGreaterThan(5)
    await spans.shutdown()
  })

  test("local evaluations posted while the item's spans are being filled keep the fill", async () => {
    const http = client(server.url, key)
    const created = await http.post('/evaluations/test_run', {
      name: 'race-run',
      localEvaluators: [{ name: 'exact', label: 'Exact', scoreType: 'boolean' }],
    })
    const runId = created.body.data.id as string
    const spans = heldSpans(server.url, { 'x-api-key': key })
    const { traceId, spanId } = itemTrace(spans.tracer, 'TestRun.race-run', { input: 21, output: 4 })
    const posted = await http.raw(
      'POST',
      `/evaluations/run/${runId}/item`,
      { traceId, input: { q: 'race' }, taskOutput: 'x' },
      { traceparent: `00-${traceId}-${spanId}-01` },
    )
    expect(posted.status).toBe(200)
    const itemId = posted.body.data.item.id as string
    // The spans land (and fill the item) right after N6 has read the item and before it writes:
    // the interleaving the SDK makes likely, as it runs evaluators once the item's span is in.
    const runs = server.services.runs
    const read = runs.itemByOrdinal.bind(runs)
    runs.itemByOrdinal = async (...args) => {
      const item = await read(...args)
      runs.itemByOrdinal = read
      await spans.flush()
      return item
    }
    try {
      const scored = await http.post(`/evaluations/run/${runId}/item/${itemId}/local-evaluations`, {
        evaluatorResults: [{ evaluatorName: 'exact', result: true, isPassed: true }],
      })
      expect(scored.status).toBe(200)
    } finally {
      runs.itemByOrdinal = read
    }
    const item = (await itemsOf(runId)).get('race')!
    expect(item).toMatchObject({ usage: { inputTokens: 21, outputTokens: 4 } })
    expect(item.latencyMs).toBeGreaterThan(0)
    expect((item as unknown as { scores: unknown[] }).scores).toHaveLength(1)
    await spans.shutdown()
  })

  test('without a span id (the Python SDK sends no traceparent), an item owns its trace only when alone in it', async () => {
    const http = client(server.url, key)
    const created = await http.post('/evaluations/test_run', { name: 'py-run', localEvaluators: [] })
    expect(created.status).toBe(200)
    const runId = created.body.data.id as string
    const spans = heldSpans(server.url, { 'x-api-key': key })
    const own = itemTrace(spans.tracer, 'TestRun.py-run', { input: 8, output: 2 }).traceId
    const shared = itemTrace(spans.tracer, 'TestRun.py-run', { input: 100, output: 100 }).traceId
    // no traceparent header: the server knows the trace, not the span
    for (const [q, traceId] of [
      ['alone', own],
      ['shared-1', shared],
      ['shared-2', shared],
    ] as const) {
      const posted = await http.post(`/evaluations/run/${runId}/item`, {
        traceId,
        input: { q },
        taskOutput: 'x',
      })
      expect(posted.status).toBe(200)
    }
    await spans.flush()
    const byQ = await itemsOf(runId)
    expect(byQ.get('alone')).toMatchObject({ usage: { inputTokens: 8, outputTokens: 2 } })
    // two items in one trace: whose spans they are cannot be told, so neither gets them
    expect(byQ.get('shared-1')).toMatchObject({ latencyMs: null, usage: null })
    expect(byQ.get('shared-2')).toMatchObject({ latencyMs: null, usage: null })
    await spans.shutdown()
  })
})
