/**
 * OTLP/HTTP trace ingestion with the real exporters (@opentelemetry/exporter-trace-otlp-http for
 * JSON, -proto for protobuf) against the real server on loopback, on SQLite and PostgreSQL; the
 * span probe; the item → spans route; malformed bodies answered in the OTLP error shape.
 */
import { gzipSync } from 'node:zlib'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunItemSpansSchema, SpanProbeResponseSchema } from '../../src/schema/spans.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { otlpTypes } from '../../src/server/otlp/proto.js'
import { makeItem, makeSuite } from '../client/items.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

/** Spans of one fake agent call: item span → llm call (GenAI attributes) → tool call. */
function recordAgentSpans(service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  })
  const tracer = provider.getTracer('agent-test', '1.2.3')
  const item = tracer.startSpan('evalgate.item', { attributes: { 'evalgate.item.id': 'q1' } })
  const inItem = trace.setSpan(context.active(), item)
  const llm = tracer.startSpan(
    'chat gpt-test',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.request.model': 'gpt-test',
        'gen_ai.response.model': 'gpt-test-2026',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 34,
        'gen_ai.choice': '<img src=x onerror=alert(1)>',
      },
    },
    inItem,
  )
  const tool = tracer.startSpan(
    'execute_tool search',
    { attributes: { 'gen_ai.tool.name': 'search', tags: ['a', 'b'], big: 2 ** 60 } },
    trace.setSpan(inItem, llm),
  )
  tool.addEvent('found', { hits: 3 })
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' })
  tool.end()
  llm.end()
  item.end()
  return memory.getFinishedSpans()
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve))
}

describe.each(DIALECTS)('OTLP traces on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: RunningServer
  let url: string

  beforeAll(async () => {
    server = await startServer({ db: await dbs.next() })
    url = server.url
  })
  afterAll(async () => {
    await server?.close()
  })

  /** A run with one item whose trace and span ids are the item span's. */
  async function runFor(root: ReadableSpan, suite: string) {
    const api = client(url)
    const run = (await api.post('/api/v1/runs', { suite: makeSuite(suite) })).body.run
    const item = makeItem(1, { traceId: root.spanContext().traceId, spanId: root.spanContext().spanId })
    expect((await api.post(`/api/v1/runs/${run.id}/items`, { items: [item] })).status).toBe(200)
    return run.id as string
  }

  async function itemSpans(runId: string) {
    const res = await client(url).get(`/api/v1/runs/${runId}/items/1/spans`)
    expect(res.status).toBe(200)
    return RunItemSpansSchema.parse(res.body)
  }

  it.each([
    ['JSON', (u: string) => new JsonExporter({ url: u })],
    ['gzipped JSON', (u: string) => new JsonExporter({ url: u, compression: CompressionAlgorithm.GZIP })],
    ['protobuf', (u: string) => new ProtoExporter({ url: u })],
    [
      'gzipped protobuf',
      (u: string) => new ProtoExporter({ url: u, compression: CompressionAlgorithm.GZIP }),
    ],
  ])('stores what the %s exporter sends, linked to the run item by trace id', async (name, make) => {
    const spans = recordAgentSpans(`svc-${name}`)
    const root = spans.find((s) => s.name === 'evalgate.item')!
    const runId = await runFor(root, `otlp-${name}`)
    const path = name.includes('JSON') ? '/v1/traces' : '/telemetry/v1/traces'
    const result = await exportWith(make(url + path), spans)
    expect(result.error).toBeUndefined()
    expect(result.code).toBe(ExportResultCode.SUCCESS)

    const got = await itemSpans(runId)
    expect(got.traceId).toBe(root.spanContext().traceId)
    expect(got.spans.map((s) => s.name)).toEqual(['evalgate.item', 'chat gpt-test', 'execute_tool search'])
    const [item, llm, tool] = got.spans
    expect(item!.parentSpanId).toBeNull()
    expect(llm!.parentSpanId).toBe(item!.spanId)
    expect(tool!.parentSpanId).toBe(llm!.spanId)
    expect(llm!.kind).toBe('client')
    expect(llm!.attributes).toMatchObject({
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 34,
      'gen_ai.choice': '<img src=x onerror=alert(1)>',
    })
    // 2^60 is not a safe integer: kept exact, as a string
    expect(tool!.attributes).toEqual({
      'gen_ai.tool.name': 'search',
      tags: ['a', 'b'],
      big: String(2n ** 60n),
    })
    expect(tool!.status).toEqual({ code: 'error', message: 'tool failed' })
    expect(tool!.events).toMatchObject([{ name: 'found', attributes: { hits: 3 } }])
    expect(item!.serviceName).toBe(`svc-${name}`)
    expect(item!.scope).toEqual({ name: 'agent-test', version: '1.2.3' })
    const [s, ns] = root.startTime
    expect(item!.startTimeUnixNano).toBe(String(BigInt(s) * 1_000_000_000n + BigInt(ns)))
    const [ds, dns] = root.duration
    expect(item!.durationMs).toBeCloseTo(ds * 1000 + dns / 1e6, 6)

    // the Netra span probe: known span → data; unknown span → data null (the SDK polls on)
    const probe = await client(url).get(`/sdk/traces/spans/${tool!.spanId}`)
    expect(probe.status).toBe(200)
    expect(SpanProbeResponseSchema.parse(probe.body).data?.name).toBe('execute_tool search')
    const unknown = await client(url).get('/sdk/traces/spans/00000000000000ff')
    expect(unknown.status).toBe(200)
    expect(unknown.body).toEqual({ data: null })
  })

  it("a finalized run's items without usage take tokens from their spans; a client's usage stays", async () => {
    const api = client(url)
    const traced = recordAgentSpans('svc-usage')
    const root = traced.find((s) => s.name === 'evalgate.item')!
    const again = recordAgentSpans('svc-usage') // another trace, for an item that reported its usage
    const other = again.find((s) => s.name === 'evalgate.item')!
    const run = (await api.post('/api/v1/runs', { suite: makeSuite('otlp-usage') })).body.run
    const ids = (span: ReadableSpan) => ({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    })
    const items = [
      makeItem(1, { ...ids(root), usage: null, costUsd: null }),
      makeItem(2, { ...ids(other), usage: { inputTokens: 1, outputTokens: 2 }, costUsd: 0.5 }),
      makeItem(3, { usage: null, costUsd: null }), // no spans
    ]
    expect((await api.post(`/api/v1/runs/${run.id}/items`, { items })).status).toBe(200)
    const exported = await exportWith(new JsonExporter({ url: `${url}/v1/traces` }), [...traced, ...again])
    expect(exported.code).toBe(ExportResultCode.SUCCESS)

    const finalized = await api.post(`/api/v1/runs/${run.id}/finalize`, { outcome: 'completed' })
    expect(finalized.status).toBe(200)
    const byId = new Map(
      (await api.get(`/api/v1/runs/${run.id}/results`)).body.items.map((i: { itemId: string }) => [
        i.itemId,
        i,
      ]),
    )
    // the LLM span's tokens; the latency stays the client's
    expect(byId.get('item-1')).toMatchObject({
      usage: { inputTokens: 12, outputTokens: 34 },
      costUsd: null,
      latencyMs: 11,
    })
    expect(byId.get('item-2')).toMatchObject({ usage: { inputTokens: 1, outputTokens: 2 }, costUsd: 0.5 })
    expect(byId.get('item-3')).toMatchObject({ usage: null, costUsd: null })
    expect(finalized.body.summary).toMatchObject({ inputTokens: 13, outputTokens: 36, totalCostUsd: 0.5 })
  })

  it('an exporter retry stores nothing twice and keeps the first copy', async () => {
    const spans = recordAgentSpans('retry')
    const root = spans.find((s) => s.name === 'evalgate.item')!
    const runId = await runFor(root, 'otlp-retry')
    const exporter = new ProtoExporter({ url: `${url}/v1/traces` })
    expect((await exportWith(exporter, spans)).code).toBe(ExportResultCode.SUCCESS)
    expect((await exportWith(new JsonExporter({ url: `${url}/v1/traces` }), spans)).code).toBe(
      ExportResultCode.SUCCESS,
    )
    expect((await itemSpans(runId)).spans).toHaveLength(3)
    // a later copy under the same ids does not replace what was stored
    const first = spans[0]!.spanContext()
    const again = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: first.traceId, spanId: first.spanId, name: 'renamed' }] }] },
        ],
      }),
    })
    expect(again.status).toBe(200)
    const names = (await itemSpans(runId)).spans.map((s) => s.name)
    expect(names).toHaveLength(3)
    expect(names).not.toContain('renamed')
  })

  it('spans belong to the project of the key that sent them', async () => {
    const created = await client(url).post('/api/v1/projects', { name: 'otlp-other' })
    const key = (await client(url).post(`/api/v1/projects/${created.body.id}/keys`, {})).body.key as string
    const spans = recordAgentSpans('other-project')
    const exporter = new JsonExporter({ url: `${url}/v1/traces`, headers: { 'x-api-key': key } })
    expect((await exportWith(exporter, spans)).code).toBe(ExportResultCode.SUCCESS)
    const spanId = spans[0]!.spanContext().spanId
    expect((await client(url, key).get(`/sdk/traces/spans/${spanId}`)).body.data.spanId).toBe(spanId)
    // the default project (keyless) does not see them
    expect((await client(url).get(`/sdk/traces/spans/${spanId}`)).body).toEqual({ data: null })
    // a wrong key is a 401 in the OTLP shape, and the exporter reports the failure
    const refused = await exportWith(
      new JsonExporter({ url: `${url}/v1/traces`, headers: { authorization: 'Bearer nope' } }),
      spans,
    )
    expect(refused.code).toBe(ExportResultCode.FAILED)
    const raw = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'nope' },
      body: '{}',
    })
    expect(raw.status).toBe(401)
    expect(await raw.json()).toEqual({ code: 16, message: 'invalid or revoked API key' })
  })
})

describe('malformed OTLP requests (SQLite)', () => {
  const dbs = useDatabases('sqlite')
  let server: RunningServer
  const traceId = '5b8efff798038103d269b633813fc60c'

  beforeAll(async () => {
    server = await startServer({ db: await dbs.next() })
  })
  afterAll(async () => {
    await server?.close()
  })

  function post(body: string | Uint8Array, contentType: string, headers: Record<string, string> = {}) {
    return fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body,
    })
  }

  const span = (over: Record<string, unknown> = {}) => ({
    traceId,
    spanId: 'eee19b7ec3c1b174',
    name: 'ok',
    kind: 1,
    startTimeUnixNano: '1544712660000000000',
    endTimeUnixNano: '1544712661000000000',
    ...over,
  })
  const request = (...spans: unknown[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] })

  async function decodeStatus(res: Response) {
    const { status } = await otlpTypes()
    return status.toObject(status.decode(new Uint8Array(await res.arrayBuffer())))
  }

  it('accepts the JSON example of the OTLP spec (hex ids, string and number int64, enum numbers)', async () => {
    const res = await post(
      request(
        span({
          attributes: [
            { key: 'n', value: { intValue: 7 } },
            { key: 's', value: { intValue: '8' } },
          ],
        }),
      ),
      'application/json',
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({})
    const probe = await client(server.url).get('/sdk/traces/spans/eee19b7ec3c1b174')
    expect(probe.body.data).toMatchObject({
      traceId,
      name: 'ok',
      kind: 'internal',
      attributes: { n: 7, s: 8 },
    })
    // enums by name, as some JSON encoders write them
    const named = await post(
      request(
        span({ spanId: 'eee19b7ec3c1b175', kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' } }),
      ),
      'application/json',
    )
    expect(named.status).toBe(200)
    const got = (await client(server.url).get('/sdk/traces/spans/eee19b7ec3c1b175')).body.data
    expect(got).toMatchObject({ kind: 'server', status: { code: 'error' } })
    // the native route answers 404 for an unknown run or item
    expect((await client(server.url).get('/api/v1/runs/nope/items/1/spans')).status).toBe(404)
  })

  it.each([
    ['bad JSON', '{"resourceSpans": [', /malformed JSON body/],
    ['a JSON array', '[]', /must be a JSON object/],
    [
      'a non-hex trace id',
      request(span({ traceId: 'zz'.repeat(16) })),
      /spans\.0\.traceId: a 32-character hex/,
    ],
    ['a short span id', request(span({ spanId: 'abcd' })), /spans\.0\.spanId: a 16-character hex/],
    ['a missing trace id', request(span({ traceId: undefined })), /spans\.0\.traceId: a 16-byte id/],
    ['a bad timestamp', request(span({ startTimeUnixNano: 'soon' })), /startTimeUnixNano: nanoseconds/],
    [
      'spans that are not a list',
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: {} }] }] }),
      /^resourceSpans\.0\.scopeSpans\.0\.spans: an array is expected/,
    ],
  ])(
    '%s is a 400 with a google.rpc.Status JSON body, and nothing is stored',
    async (_name, body, message) => {
      const before = await server.store.db
        .selectFrom('spans')
        .select((b) => b.fn.countAll().as('n'))
        .executeTakeFirst()
      const res = await post(body, 'application/json')
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      const status = (await res.json()) as { code: number; message: string }
      expect(status.code).toBe(3)
      expect(status.message).toMatch(message)
      expect(status.message).not.toMatch(/quota exceeded/i)
      const after = await server.store.db
        .selectFrom('spans')
        .select((b) => b.fn.countAll().as('n'))
        .executeTakeFirst()
      expect(after).toEqual(before)
    },
  )

  it('bad protobuf bytes and a wrong id length are a 400 with a protobuf Status body', async () => {
    const garbage = await post(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'application/x-protobuf')
    expect(garbage.status).toBe(400)
    expect(garbage.headers.get('content-type')).toBe('application/x-protobuf')
    expect(await decodeStatus(garbage)).toMatchObject({
      code: 3,
      message: expect.stringMatching(/malformed protobuf/),
    })

    const { request: Request } = await otlpTypes()
    const shortId = Request.encode(
      Request.fromObject({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: Buffer.alloc(8, 1), spanId: Buffer.alloc(8, 2) }] }] },
        ],
      }),
    ).finish()
    const res = await post(shortId, 'application/x-protobuf')
    expect(res.status).toBe(400)
    expect(await decodeStatus(res)).toMatchObject({
      message: expect.stringMatching(/traceId: a 16-byte id is expected, got 8/),
    })
  })

  it('rejects all-zero ids span by span, with partialSuccess, and keeps the rest', async () => {
    const res = await post(
      request(
        span({ spanId: '1111111111111111', name: 'kept' }),
        span({ spanId: '0000000000000000', name: 'zero span' }),
        span({ traceId: '0'.repeat(32), spanId: '2222222222222222', name: 'zero trace' }),
      ),
      'application/json',
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } }
    expect(body.partialSuccess.rejectedSpans).toBe('2')
    expect(body.partialSuccess.errorMessage).toMatch(/span id is all zeros.*trace id is all zeros/)
    expect((await client(server.url).get('/sdk/traces/spans/1111111111111111')).body.data.name).toBe('kept')

    // the same in protobuf: an encoded ExportTraceServiceResponse
    const { request: Request, response: Response_ } = await otlpTypes()
    const bytes = Request.encode(
      Request.fromObject({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16), spanId: Buffer.alloc(8, 3), name: 'z' }] }] },
        ],
      }),
    ).finish()
    const pres = await post(bytes, 'application/x-protobuf')
    expect(pres.status).toBe(200)
    const decoded = Response_.toObject(Response_.decode(new Uint8Array(await pres.arrayBuffer())), {
      longs: String,
    })
    expect(decoded).toMatchObject({ partialSuccess: { rejectedSpans: '1' } })
  })

  it('other content types are a 415, other encodings too; a broken gzip stream is a 400', async () => {
    const text = await post('x', 'text/plain')
    expect(text.status).toBe(415)
    expect(await text.json()).toMatchObject({
      code: 3,
      message: expect.stringMatching(/application\/x-protobuf/),
    })
    const br = await post(request(span()), 'application/json', { 'content-encoding': 'br' })
    expect(br.status).toBe(415)
    const broken = await post(gzipSync(request(span())).subarray(0, 20), 'application/json', {
      'content-encoding': 'gzip',
    })
    expect(broken.status).toBe(400)
    expect(((await broken.json()) as { code: number }).code).toBe(3)
  })

  it('a body over the limit, gzipped or not, is a 413, never a 429 or "quota exceeded"', async () => {
    const small = await startServer({ db: await dbs.next(), bodyLimit: 1024 })
    try {
      const res = await fetch(`${small.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request(...Array.from({ length: 50 }, () => span())),
      })
      expect(res.status).toBe(413)
      const body = (await res.json()) as { message: string }
      expect(body.message).not.toMatch(/quota/i)
      // the limit holds for the inflated body: a small gzip of a large body is a 413 too
      const inflated = request(...Array.from({ length: 50 }, () => span()))
      const zipped = gzipSync(inflated)
      expect(zipped.length).toBeLessThan(1024)
      const bomb = await fetch(`${small.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: zipped,
      })
      expect(bomb.status).toBe(413)
      // a small gzipped body is accepted
      const ok = await fetch(`${small.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(request(span())),
      })
      expect(ok.status).toBe(200)
    } finally {
      await small.close()
    }
  })

  it('the span probe refuses a malformed span id in the Netra error envelope', async () => {
    const res = await client(server.url).get('/sdk/traces/spans/not-a-span')
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_request' })
  })
})

describe('the Netra span probe while the exporter batches (SQLite)', () => {
  const dbs = useDatabases('sqlite')
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ db: await dbs.next() })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('answers {data: null} until the batch lands, then the span: the SDK stops polling at once', async () => {
    const created = await client(server.url).post('/api/v1/projects', { name: 'netra-probe' })
    const key = (await client(server.url).post(`/api/v1/projects/${created.body.id}/keys`, {})).body.key
    // headers as the Netra SDKs send them to a non-getnetra endpoint: both x-api-key and Bearer
    const headers = { 'x-api-key': key, authorization: `Bearer ${key}` }
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new BatchSpanProcessor(new JsonExporter({ url: `${server.url}/v1/traces`, headers }), {
          scheduledDelayMillis: 1500,
        }),
      ],
    })
    const span = provider.getTracer('netra.evaluation').startSpan('TestRun.nightly')
    const spanId = span.spanContext().spanId
    span.end()

    const answers: unknown[] = []
    const deadline = Date.now() + 30_000
    for (;;) {
      const res = await fetch(`${server.url}/sdk/traces/spans/${spanId}`, { headers })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { data: { spanId: string } | null }
      answers.push(body.data === null ? null : body.data.spanId)
      if (body.data !== null || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await provider.shutdown()
    // not found first (the batch was still waiting), then found, and nothing after it
    expect(answers[0]).toBeNull()
    expect(answers.at(-1)).toBe(spanId)
    expect(answers.filter((a) => a !== null)).toEqual([spanId])
  })
})
