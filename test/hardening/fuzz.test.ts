/**
 * Finding 2 (deep JSON gave a 500) and the "no input makes a 500" rule: generated hostile bodies
 * (depth, size, unicode, lone surrogates, NUL, numbers out of range, odd keys, wrong types) thrown
 * at every write route, native and Gradient, on both dialects. Every answer must be < 500 and, when
 * an error, in the documented `{ error: { message, code } }` envelope (native) or a JSON body.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { MAX_JSON_DEPTH } from '../../src/schema/common.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { makeItem, makeSuite } from '../client/items.js'
import { client } from '../helpers/http.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

/** mulberry32: a seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const nest = (n: number, open: string, leaf: string, close: string) => open.repeat(n) + leaf + close.repeat(n)

/** Raw JSON texts of hostile values (raw, so out-of-range numbers and escaped lone surrogates survive). */
const HOSTILE: string[] = [
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  '"x\\udfffy"',
  '"\\uffff0000"',
  '"\\u001b]0;t\\u0007\\u001b[2J\\u009b"',
  '"\\u202eevil"',
  '"😀"',
  '""',
  JSON.stringify('x'.repeat(300_000)),
  '1e999',
  '-1e999',
  '1e-999',
  '-0',
  '9007199254740993',
  '123456789012345678901234567890',
  '-1',
  '0.5',
  '4294967296',
  'true',
  'null',
  '[]',
  '{}',
  '"not-a-uuid"',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  `[${new Array(20_000).fill('0').join(',')}]`,
  `{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  nest(MAX_JSON_DEPTH + 1, '[', '1', ']'),
  nest(5_000, '[', '1', ']'),
  nest(100_000, '[', '1', ']'),
  nest(5_000, '{"a":', '1', '}'),
  nest(50_000, '{"a":[', '"\\u0000"', ']}'),
]

/** Whole bodies that are not even JSON values of the right kind. */
const RAW_BODIES: (string | Buffer)[] = [
  '',
  ' ',
  '{',
  '{"a":1}}',
  'nul\u0000',
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  ...HOSTILE,
]

type Path = (string | number)[]

function leafPaths(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path)
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) leafPaths(v, [...path, i], out)
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leafPaths(v, [...path, k], out)
  return out
}

const MARK = '"__hostile_placeholder__"'

/** `base` as JSON text with the value at `path` replaced by the raw text `raw` (or a key added). */
function mutate(base: unknown, path: Path, raw: string, addKey: boolean): string {
  const copy = structuredClone(base) as Record<string | number, unknown>
  if (path.length === 0 && !addKey) return raw
  let parent: Record<string | number, unknown> = copy
  for (const p of path.slice(0, addKey ? undefined : -1))
    parent = parent[p] as Record<string | number, unknown>
  if (addKey) {
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return raw
    parent.unknownFieldX = '__hostile_placeholder__'
  } else parent[path[path.length - 1]!] = '__hostile_placeholder__'
  return JSON.stringify(copy).replace(MARK, () => raw)
}

describe.each(DIALECTS)('hostile bodies on %s', (dialect) => {
  const dbs = useDatabases(dialect)
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ db: await dbs.next() })
  })
  afterAll(async () => {
    await server?.close()
  })

  test('every write route answers every generated body with < 500', { timeout: 300_000 }, async () => {
    const api = client(server.url)
    const suite = makeSuite('fuzz')
    const created = await api.post('/api/v1/runs', { suite, runGroup: 'fuzz-group' })
    expect(created.status).toBe(201)
    const runId = created.body.run.id as string
    const ds = await api.post('/api/v1/datasets', { name: 'fuzz-ds' })
    const datasetId = ds.body.id as string
    await api.post(`/api/v1/datasets/${datasetId}/items`, { input: 'q', expected: 'a' })
    const project = (await api.get('/api/v1/projects/current')).body.id as string
    const metricId = (await api.get('/api/v1/metrics')).body.metrics[0].id as string
    const tc = await api.post('/v2/gen-ai/evaluation_test_cases', {
      name: 'fuzz-tc',
      dataset_uuid: datasetId,
      metrics: [metricId],
    })
    expect(tc.status, JSON.stringify(tc.body)).toBeLessThan(300)
    const tcId = tc.body.test_case_uuid as string

    const routes: { method: string; path: string; base: unknown }[] = [
      { method: 'POST', path: '/api/v1/projects', base: { name: 'p' } },
      { method: 'POST', path: `/api/v1/projects/${project}/keys`, base: {} },
      { method: 'POST', path: '/api/v1/datasets', base: { name: 'd', description: 'x', tags: ['t'] } },
      {
        method: 'POST',
        path: `/api/v1/datasets/${datasetId}/items`,
        base: { items: [{ input: { q: [1, 'two'] }, expected: 'a', tags: ['t'], metadata: { k: 'v' } }] },
      },
      { method: 'POST', path: '/api/v1/suites', base: suite },
      { method: 'POST', path: '/api/v1/runs', base: { suite, runGroup: 'g' } },
      { method: 'POST', path: `/api/v1/runs/${runId}/items`, base: { items: [makeItem(0), makeItem(1)] } },
      { method: 'POST', path: `/api/v1/runs/${runId}/finalize`, base: { outcome: 'completed' } },
      {
        method: 'POST',
        path: '/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls',
        base: { files: [{ file_name: 'a.csv', file_size: 10 }] },
      },
      {
        method: 'POST',
        path: '/v2/gen-ai/evaluation_datasets',
        base: { name: 'n', file_upload_dataset: { stored_object_key: 'k', original_file_name: 'a.csv' } },
      },
      {
        method: 'POST',
        path: '/v2/gen-ai/evaluation_test_cases',
        base: { name: 'n', dataset_uuid: datasetId, metrics: [metricId] },
      },
      {
        method: 'PUT',
        path: `/v2/gen-ai/evaluation_test_cases/${tcId}`,
        base: { name: 'n2', metrics: { metric_uuids: [metricId] } },
      },
      { method: 'POST', path: '/v2/gen-ai/evaluation_runs', base: { test_case_uuid: tcId, run_name: 'r' } },
    ]

    const random = rng(9)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
    let tried = 0
    const serverErrors: string[] = []
    const badEnvelope: string[] = []
    const send = async (method: string, path: string, body: string | Buffer) => {
      tried++
      const res = await fetch(server.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body,
      })
      const text = await res.text()
      const what = `${method} ${path} ${String(body).slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`
      if (res.status >= 500) serverErrors.push(what)
      if (res.status >= 400 && path.startsWith('/api/v1')) {
        let parsed: { error?: { message?: unknown; code?: unknown } } | undefined
        try {
          parsed = JSON.parse(text)
        } catch {
          /* reported below */
        }
        if (typeof parsed?.error?.message !== 'string' || typeof parsed.error.code !== 'string')
          badEnvelope.push(what)
      }
    }

    for (const route of routes) {
      for (const body of RAW_BODIES) await send(route.method, route.path, body)
      const paths = leafPaths(route.base)
      // every field once with a hostile value, then random (field, value) pairs and unknown keys
      for (const p of paths) await send(route.method, route.path, mutate(route.base, p, pick(HOSTILE), false))
      for (let i = 0; i < 40; i++) {
        const addKey = random() < 0.25
        await send(route.method, route.path, mutate(route.base, pick(paths), pick(HOSTILE), addKey))
      }
    }
    // hostile query strings and ids on reads
    const queries = [
      '%00',
      'a%00',
      '%ud800',
      '%ED%A0%80',
      '%E0%A4%A',
      '%FF',
      `${'x'.repeat(5000)}`,
      '%1B%5B2J',
    ]
    for (const q of queries) {
      for (const path of [
        `/api/v1/runs?suiteName=${q}`,
        `/api/v1/runs?runGroup=${q}`,
        `/api/v1/runs/${q}`,
        `/api/v1/runs/${runId}/results?status=${q}`,
        `/api/v1/datasets/${q}/items`,
        `/v2/gen-ai/evaluation_runs/${q}`,
      ]) {
        tried++
        const res = await fetch(server.url + path)
        if (res.status >= 500)
          serverErrors.push(`GET ${path} → ${res.status} ${(await res.text()).slice(0, 200)}`)
        else await res.arrayBuffer()
      }
    }
    console.log(
      `fuzz on ${dialect}: ${tried} requests over ${routes.length} write routes + 6 read routes, ${serverErrors.length} 5xx`,
    )
    expect(serverErrors).toEqual([])
    expect(badEnvelope).toEqual([])
  })

  test('JSON nested deeper than the limit is a 400 naming the path', async () => {
    const api = client(server.url)
    const { body } = await api.post('/api/v1/runs', { suite: makeSuite('deep'), runGroup: 'deep' })
    const deep = JSON.parse(nest(MAX_JSON_DEPTH + 5, '[', '1', ']'))
    const res = await api.post(`/api/v1/runs/${body.run.id}/items`, {
      items: [makeItem(0, { output: deep })],
    })
    expect(res.status).toBe(400)
    expect(res.body.error.path).toBe(`items.0.output${'.0'.repeat(MAX_JSON_DEPTH)}`)
    expect(res.body.error.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`)
    const atLimit = JSON.parse(nest(MAX_JSON_DEPTH, '[', '1', ']'))
    const ok = await api.post(`/api/v1/runs/${body.run.id}/items`, {
      items: [makeItem(0, { output: atLimit })],
    })
    expect(ok.status).toBe(200)
    const back = await api.get(`/api/v1/runs/${body.run.id}/results`)
    expect(back.body.items[0].output).toEqual(atLimit)
    // ~4,500 levels used to overflow the stack (a 500)
    const veryDeep = `{"items":[${JSON.stringify(makeItem(1)).replace('"output":"a1"', `"output":${nest(5000, '[', '1', ']')}`)}]}`
    const r = await api.raw('POST', `/api/v1/runs/${body.run.id}/items`, veryDeep)
    expect(r.status).toBe(400)
    expect(r.body.error.path).toMatch(/^items\.0\.output(\.0)+$/)
  })
})
