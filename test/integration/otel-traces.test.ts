/**
 * The README's "Traces" recipe end to end: a spawned `evalgate serve`, a spawned `vitest run` of a
 * fixture whose setup file registers the user's own OTel SDK (NodeTracerProvider + the OTLP/HTTP
 * exporter pointed at the server). Every uploaded run item links, by trace id, to its own span and
 * the agent's inner LLM and tool spans, and takes its token counts from the LLM span when the task
 * reported none.
 */
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { client } from '../helpers/http.js'
import { REPO, runFixture, type ServeProcess, startServe, stateDir } from '../reporter/helpers.js'

const FIXTURE = join(REPO, 'test/fixtures/traces-otel')
const state = stateDir('evalgate-traces-')
let server: ServeProcess | undefined

afterAll(async () => {
  await server?.kill()
  state.cleanup()
})

test('spans exported by the suite’s own OTel SDK appear under each run item', async () => {
  server = await startServe(['--db', state.db], { cwd: state.dir })
  const result = await runFixture({ EVALGATE_URL: server.url, EVALGATE_RUN_GROUP: 'traced' }, [], FIXTURE)
  expect(result.code, result.output).toBe(0)

  const api = client(server.url)
  const runs = (await api.get('/api/v1/runs?runGroup=traced')).body.runs
  expect(runs).toHaveLength(1)
  const results = (await api.get(`/api/v1/runs/${runs[0].id}/results`)).body
  expect(results.items).toHaveLength(3)

  const typed = new EvalgateApi({ url: server.url })
  const traceIds = new Set<string>()
  for (const item of results.items) {
    const { traceId, spanId, spans } = await typed.runs.itemSpans(runs[0].id, item.ordinal)
    expect(traceId).toBe(item.traceId)
    traceIds.add(traceId)
    // evalgate's item span is the root of the item's subtree, the LLM call under it, the tool under that
    expect(spans.map((s) => s.name)).toEqual([
      `eval traced-agent ${item.itemId}`,
      'chat fixture-model',
      'execute_tool lookup',
    ])
    const [own, llm, tool] = spans
    expect(own!.spanId).toBe(spanId)
    expect(own!.attributes).toMatchObject({
      'evalgate.item.id': item.itemId,
      'evalgate.item.status': 'completed',
    })
    expect(llm!.parentSpanId).toBe(own!.spanId)
    expect(tool!.parentSpanId).toBe(llm!.spanId)
    expect(llm!.attributes).toMatchObject({
      'gen_ai.request.model': 'fixture-model',
      'gen_ai.response.model': 'fixture-model-2026',
      'gen_ai.usage.input_tokens': item.input.length,
    })
    expect(tool!.attributes).toEqual({ 'gen_ai.tool.name': 'lookup' })
    for (const s of spans) expect(s.traceId).toBe(traceId)
    // the task returned no usage: the item's tokens are its LLM call's, from the span
    expect(item.usage).toEqual({ inputTokens: item.input.length, outputTokens: item.output.length })
    expect(item.costUsd).toBeNull()
  }
  await typed.close()
  // items do not share a trace
  expect(traceIds.size).toBe(3)
  // and the run's summary counts them: paris + rome + oslo, in and out
  const run = (await api.get(`/api/v1/runs/${runs[0].id}`)).body
  expect(run.summary).toMatchObject({ inputTokens: 13, outputTokens: 13, totalCostUsd: 0 })
})
