/**
 * A test stand-in for the Netra JS SDK's evaluation client (`Netra.evaluation`), which is not
 * published on npm. It makes exactly the HTTP requests the SDK makes, as recorded in
 * shared/reference/backend-api.md §1–3 (netra-sdk-js 1.8.0):
 *
 * - base URL from the endpoint: trailing `/` and a trailing `/telemetry` removed; every path is
 *   joined with `new URL(path, base)` (a leading `/` drops any base path);
 * - headers: `x-api-key: <key>`, and, for an endpoint that does not contain "getnetra",
 *   `Authorization: Bearer <key>` too; `Content-Type: application/json` on every request;
 * - responses are read with `response.json()` (anything but JSON is a status-0 failure) and
 *   unwrapped from `{ data }`; non-2xx → the SDK's failure value;
 * - runTestSuite: N4, then per item (up to `maxConcurrency`) a span, the task, N5 with the span's
 *   `traceparent`, and, for completed items with evaluators, a background job running the
 *   evaluators one after another and posting N6 **without awaiting it**; after every item and
 *   background job, N7 `completed`, also not awaited.
 *
 * Left out: the span-ingestion probe (N9, `sdk/traces/spans/{spanId}`) before evaluators run,
 * which the OTLP routes answer; and OTel itself unless the test passes a `tracer` (then each item
 * runs in a real span): trace and span ids are otherwise random hex, as an SDK span would have them.
 */
import { randomBytes } from 'node:crypto'
import type { Span, Tracer } from '@opentelemetry/api'

export interface EvaluatorConfig {
  name: string
  label: string
  scoreType: 'boolean' | 'numerical' | 'categorical'
}

export interface EvaluatorContext {
  input: unknown
  taskOutput: unknown
  expectedOutput: unknown
  metadata?: Record<string, unknown> | undefined
}

export interface EvaluatorOutput {
  evaluatorName: string
  result: unknown
  isPassed: boolean
  reason?: string
}

/** Any object with a `config` and an `evaluate(ctx)` method (the JS SDK has no base class). */
export interface Evaluator {
  config: EvaluatorConfig
  evaluate(ctx: EvaluatorContext): EvaluatorOutput | Promise<EvaluatorOutput>
}

export interface DatasetRecord {
  id: string
  input: unknown
  datasetId: string
  expectedOutput?: unknown
}

export interface LocalItem {
  input: unknown
  expectedOutput?: unknown
  metadata?: Record<string, unknown>
  tags?: string[]
}

interface HttpResponse {
  data: Body
  status: number
  ok: boolean
}

/** One request the client made, for assertions on what reached the server. */
export interface Exchange {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
  status: number
  /** The response body was not JSON: the SDK would fail silently (status 0). */
  notJson: boolean
}

export interface RunTestSuiteOptions {
  /** Local-evaluation posts (N6) are sent only once this resolves: orders them after N7 in a test. */
  holdLocalEvaluations?: Promise<void>
  /** OTel baggage `session_id` of every item. */
  sessionId?: string
  /**
   * Each item runs in a real span `TestRun.<run name>` of this tracer, ended after N5, with the
   * task inside its context, as the SDK does (reference §3.1); its trace and span ids are then
   * the item's. Without it they are random hex.
   */
  tracer?: Tracer
}

export interface RunTestSuiteResult {
  runId: string
  items: Array<{ index: number; status: string; traceId: string; spanId: string; testRunItemId: unknown }>
  /** Test only: settles when the unawaited N6 and N7 posts have been answered. */
  settled: Promise<void>
  /** Test only: settles when N7 has been answered. */
  statusPosted: Promise<void>
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex')

/** What the SDK hands back from a response's `data`: untyped. */
// biome-ignore lint/suspicious/noExplicitAny: the SDK reads and returns response bodies untyped
type Body = any

export class NetraTestClient {
  readonly baseUrl: string
  readonly headers: Record<string, string>
  readonly exchanges: Exchange[] = []

  constructor(opts: { endpoint: string; apiKey?: string; headers?: Record<string, string> }) {
    let base = opts.endpoint.trim().replace(/\/+$/, '')
    if (base.endsWith('/telemetry')) base = base.slice(0, -'/telemetry'.length)
    this.baseUrl = base
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.apiKey) {
      if (!opts.endpoint.toLowerCase().includes('getnetra')) headers.Authorization = `Bearer ${opts.apiKey}`
      headers['x-api-key'] = opts.apiKey
    }
    headers['Content-Type'] = 'application/json'
    this.headers = headers
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const url = new URL(path, this.baseUrl).toString()
    const headers = { ...this.headers, ...extraHeaders }
    const exchange: Exchange = { method, url, headers, body, status: 0, notJson: false }
    this.exchanges.push(exchange)
    try {
      const res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      })
      exchange.status = res.status
      const text = await res.text()
      let data: unknown
      try {
        data = JSON.parse(text)
      } catch {
        exchange.notJson = true
        return { data: {}, status: 0, ok: false }
      }
      return { data, status: res.status, ok: res.ok }
    } catch {
      return { data: {}, status: 0, ok: false }
    }
  }

  private extract<T>(response: HttpResponse, fallback: T): T {
    if (!response.ok) return fallback
    const data = response.data
    if (data && typeof data === 'object' && 'data' in data) return data.data ?? fallback
    return data ?? fallback
  }

  async createDataset(name: string, tags?: string[]): Promise<Body> {
    if (!name) return null
    const response = await this.request('POST', '/evaluations/dataset', { name, tags: tags ?? [] })
    if (!response.ok) return null
    return this.extract(response, null)
  }

  /** The caller's item object is posted unchanged; an item without `input` is skipped. */
  async addDatasetItem(datasetId: string, item: LocalItem): Promise<Body> {
    if (!item.input) return null
    const response = await this.request('POST', `/evaluations/dataset/${datasetId}/items`, item)
    if (!response.ok) return { success: false }
    return this.extract(response, { success: false })
  }

  async getDataset(datasetId: string): Promise<{ items: DatasetRecord[] } | null> {
    if (!datasetId) return null
    const data: Body = this.extract(await this.request('GET', `/evaluations/dataset/${datasetId}`), [])
    if (!Array.isArray(data)) return null
    const items: DatasetRecord[] = []
    for (const item of data) {
      if (item?.id == null || item?.datasetId == null || item?.input == null) continue
      items.push({
        id: item.id,
        input: item.input,
        datasetId: item.datasetId,
        expectedOutput: item.expectedOutput ?? '',
      })
    }
    return { items }
  }

  /** `localEvaluators` is left out when no evaluators are given (runTestSuite sends `[]`). */
  async createRun(name: string, datasetId?: string, evaluators?: EvaluatorConfig[]): Promise<string | null> {
    if (!name) return null
    const payload: Record<string, unknown> = { name }
    if (datasetId !== undefined) payload.datasetId = datasetId
    if (evaluators !== undefined)
      payload.localEvaluators = evaluators.map((e) => ({
        name: e.name,
        label: e.label,
        scoreType: e.scoreType,
      }))
    const response = await this.request('POST', '/evaluations/test_run', payload)
    if (!response.ok) return null
    return this.extract(response, { id: null as string | null }).id ?? null
  }

  async getRunResults(runId: string): Promise<Body> {
    if (!runId) return null
    const response = await this.request('GET', `/evaluations/run/${runId}`)
    if (!response.ok) return null
    return this.extract(response, null)
  }

  /** The raw N8 body, to check its envelope. */
  async getRunResultsBody(runId: string): Promise<HttpResponse> {
    return this.request('GET', `/evaluations/run/${runId}`)
  }

  /** N5: the item id (`data.item.id`), else the SDK's failure value (which it then uses as an id). */
  private async postRunItem(runId: string, payload: Record<string, unknown>, traceparent: string) {
    const response = await this.request('POST', `/evaluations/run/${runId}/item`, payload, { traceparent })
    if (!response.ok) return { success: false }
    const data = this.extract(response, { success: false } as Record<string, unknown>)
    const item = data?.item as { id?: unknown } | undefined
    if (item && typeof item === 'object' && 'id' in item) return item.id
    return data
  }

  private async submitLocalEvaluations(runId: string, testRunItemId: unknown, evaluatorResults: unknown[]) {
    await this.request('POST', `/evaluations/run/${runId}/item/${testRunItemId}/local-evaluations`, {
      evaluatorResults,
    })
  }

  async runTestSuite(
    name: string,
    data: { items: Array<DatasetRecord | LocalItem> },
    task: (input: unknown) => unknown,
    evaluators: Evaluator[] = [],
    maxConcurrency = 50,
    opts: RunTestSuiteOptions = {},
  ): Promise<RunTestSuiteResult | null> {
    if (!name || !data) return null
    const items = [...data.items]
    const isRecord = (item: unknown): item is DatasetRecord =>
      item != null && typeof item === 'object' && typeof (item as DatasetRecord).datasetId === 'string'
    const datasetId = items.length > 0 && isRecord(items[0]) ? items[0].datasetId : undefined
    const configs = evaluators.filter((e) => e?.config && typeof e.config === 'object').map((e) => e.config)
    const runId = await this.createRun(name, datasetId, configs)
    if (!runId) return null

    let permits = Math.max(1, maxConcurrency)
    const waiting: Array<() => void> = []
    const acquire = (): Promise<void> => {
      if (permits === 0) return new Promise<void>((r) => waiting.push(r))
      permits--
      return Promise.resolve()
    }
    const release = () => {
      const next = waiting.shift()
      if (next) next()
      else permits++
    }

    const results: RunTestSuiteResult['items'] = []
    const background: Promise<void>[] = []
    const posts: Promise<void>[] = []

    const processItem = async (index: number, item: DatasetRecord | LocalItem) => {
      await acquire()
      try {
        const tracer = opts.tracer
        if (!tracer) return await runItem(index, item, undefined)
        await tracer.startActiveSpan(`TestRun.${name}`, async (span) => {
          try {
            await runItem(index, item, span)
          } finally {
            span.end()
          }
        })
      } finally {
        release()
      }
    }

    const runItem = async (index: number, item: DatasetRecord | LocalItem, span: Span | undefined) => {
      const traceId = span?.spanContext().traceId ?? hex(16)
      const spanId = span?.spanContext().spanId ?? hex(8)
      const traceparent = `00-${traceId}-${spanId}-01`
      let output: unknown
      let status: 'completed' | 'failed'
      try {
        output = await task(item.input)
        status = 'completed'
      } catch (err) {
        output = String(err)
        status = 'failed'
      }
      const payload: Record<string, unknown> = { traceId }
      if (opts.sessionId !== undefined) payload.sessionId = opts.sessionId
      if (isRecord(item)) payload.datasetItemId = item.id
      else {
        payload.input = item.input
        payload.expectedOutput = item.expectedOutput
        if (item.metadata) payload.metadata = item.metadata
      }
      if (status === 'failed') payload.status = 'failed'
      else payload.taskOutput = output
      // JSON.stringify drops undefined fields, as the SDK's fetch body does
      const testRunItemId = await this.postRunItem(runId, JSON.parse(JSON.stringify(payload)), traceparent)

      if (evaluators.length > 0 && status === 'completed') {
        background.push(
          (async () => {
            const evaluatorResults: EvaluatorOutput[] = []
            for (const evaluator of evaluators) {
              try {
                const result = await evaluator.evaluate({
                  input: item.input,
                  taskOutput: output,
                  expectedOutput: item.expectedOutput,
                  metadata: isRecord(item) ? undefined : item.metadata,
                })
                const out = {
                  evaluatorName: result.evaluatorName,
                  result: result.result,
                  isPassed: result.isPassed,
                  reason: result.reason,
                } as EvaluatorOutput
                if (evaluator.config.name && out.evaluatorName !== evaluator.config.name) continue
                evaluatorResults.push(out)
              } catch {}
            }
            if (evaluatorResults.length > 0 && testRunItemId) {
              // not awaited by the SDK
              posts.push(
                (async () => {
                  await opts.holdLocalEvaluations
                  await this.submitLocalEvaluations(runId, testRunItemId, evaluatorResults)
                })(),
              )
            }
          })(),
        )
      }
      results.push({ index, status, traceId, spanId, testRunItemId })
    }

    await Promise.all(items.map((item, i) => processItem(i, item)))
    await Promise.allSettled(background)
    // not awaited by the SDK
    const statusPosted = this.request('POST', `/evaluations/run/${runId}/status`, {
      status: 'completed',
    }).then(() => {})
    posts.push(statusPosted)
    return { runId, items: results, settled: Promise.all(posts).then(() => {}), statusPosted }
  }
}
