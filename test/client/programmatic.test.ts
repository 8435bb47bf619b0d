import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type EvalgateClient } from '../../src/client/client.js'
import {
  closeDefaultClient,
  createDataset as createDatasetDefault,
  getRunResults as getRunResultsDefault,
} from '../../src/client/defaults.js'
import { dataset } from '../../src/dataset/index.js'
import { evaluator } from '../../src/evaluators/index.js'
import { type RunningServer, startServer } from '../../src/server/index.js'

// The programmatic API end to end against a real server on a loopback port (SQLite file).

let dir: string
let server: RunningServer
let client: EvalgateClient

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-sdk-'))
  server = await startServer({ db: join(dir, 'evalgate.db'), port: 0 })
  client = createClient({ url: server.url, retries: 0 })
})

afterAll(async () => {
  await client?.close()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

const exact = evaluator('exact', ({ output, expected }) => output === expected, { threshold: 1 })
// An autoevals-style scorer, accepted unchanged.
const lengthRatio = Object.defineProperty(
  ({ output, expected }: { output: unknown; expected?: unknown }) => ({
    name: 'length-ratio',
    score:
      Math.min(String(output).length, String(expected).length) /
      Math.max(String(output).length, String(expected).length, 1),
  }),
  'name',
  { value: 'length-ratio' },
)

describe('programmatic API (Netra-style)', () => {
  test('createDataset → addDatasetItem → getDataset → runTestSuite → getRunResults', async () => {
    const ds = await client.createDataset({ name: 'capitals', tags: ['geo'], turnType: 'single' })
    expect(ds).toMatchObject({ name: 'capitals', tags: ['geo'], turnType: 'single', itemCount: 0 })
    const countries = [
      'France',
      'Japan',
      'Peru',
      'Kenya',
      'Chile',
      'Egypt',
      'India',
      'Spain',
      'Italy',
      'Ghana',
    ]
    const capitals = [
      'Paris',
      'Tokyo',
      'Lima',
      'Nairobi',
      'Santiago',
      'Cairo',
      'New Delhi',
      'Madrid',
      'Rome',
      'Accra',
    ]
    for (let i = 0; i < countries.length; i++) {
      const item = await client.addDatasetItem(
        ds.id,
        i % 2 === 0
          ? { input: countries[i]!, expected: capitals[i]!, tags: ['t'] }
          : { input: countries[i]!, expectedOutput: capitals[i]!, metadata: { i } },
      )
      expect(item.datasetId).toBe(ds.id)
      expect(item.expected).toBe(capitals[i])
    }
    await expect(
      client.addDatasetItem(ds.id, { input: 'X', expected: 'a', expectedOutput: 'b' }),
    ).rejects.toThrow(/both set and differ/)

    const fetched = await client.getDataset(ds.id)
    expect(fetched.items).toHaveLength(10)
    expect(fetched.items[3]).toMatchObject({ input: 'Kenya', expected: 'Nairobi', expectedOutput: 'Nairobi' })

    let inFlight = 0
    let maxInFlight = 0
    const wrong = new Set(['Peru', 'Ghana'])
    const result = await client.runTestSuite({
      name: 'capitals-suite',
      data: fetched,
      task: async (input) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 20))
        inFlight--
        const index = countries.indexOf(String(input))
        return wrong.has(String(input)) ? 'Unknown' : capitals[index]!
      },
      evaluators: [exact, lengthRatio],
      maxConcurrency: 3,
      gate: { passRate: 0.8 },
      star: { metric: 'exact', successThreshold: 0.75 },
    })
    expect(maxInFlight).toBe(3)
    expect(result.items).toHaveLength(10)
    expect(new Set(result.items.map((i) => i.index))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    for (const item of result.items) {
      expect(item.traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(item.spanId).toMatch(/^[0-9a-f]{16}$/)
      expect(item.testRunItemId).not.toBe('')
      expect(item.status).toBe('completed')
    }
    expect(new Set(result.items.map((i) => i.testRunItemId)).size).toBe(10)
    expect(
      result.items
        .filter((i) => !i.passed)
        .map((i) => i.index)
        .sort(),
    ).toEqual([2, 9])

    const envelope = await client.getRunResults(result.runId)
    expect(envelope.success).toBe(true)
    expect(envelope.error).toBeNull()
    expect(envelope.data).toMatchObject({
      id: result.runId,
      status: 'succeeded',
      evaluationStatus: 'completed',
      turnType: 'single',
      passStatus: true,
      testRunSummary: { totalItems: 10, passedItems: 8, failedItems: 2, totalCostUsd: 0 },
      redirectUrl: `${server.url}/runs/${result.runId}`,
    })
    expect(envelope.data!.testRunSummary.averageLatencyMs).toBeGreaterThan(0)
    expect(envelope.data!.summary.metrics.map((m) => m.name)).toEqual(['exact', 'length-ratio'])

    // The items the server stores are the ones the engine produced, by id.
    const stored = await client.api.runs.results(result.runId, { perPage: 100 })
    const byId = new Map(stored.items.map((i) => [i.id, i]))
    for (const item of result.items) {
      const s = byId.get(item.testRunItemId)!
      expect([s.index, s.traceId, s.spanId, s.passed]).toEqual([
        item.index,
        item.traceId,
        item.spanId,
        item.passed,
      ])
    }
  })

  test('getRunResults never throws: an unknown run is { success: false, error }', async () => {
    const envelope = await client.getRunResults('no-such-run')
    expect(envelope).toMatchObject({ success: false, data: null, error: { status: 404 } })
    expect(envelope.error!.message).toContain('no-such-run')
  })

  test('createRun (create or join by run group) and serverDataset as a Dataset', async () => {
    const ds = await client.createDataset({ name: 'numbers' })
    await client.api.datasets.addItems(
      ds.id,
      Array.from({ length: 5 }, (_, i) => ({
        id: `n${i}`,
        input: i,
        expected: i * i,
        tags: i < 2 ? ['small'] : [],
        metadata: {},
      })),
    )
    const run = await client.createRun({
      name: 'squares',
      datasetId: ds.id,
      evaluators: [exact],
      runGroup: 'rg-1',
    })
    const again = await client.createRun({
      name: 'squares',
      datasetId: ds.id,
      evaluators: [exact],
      runGroup: 'rg-1',
    })
    expect(again.id).toBe(run.id)
    expect(run.suiteName).toBe('squares')

    const remote = client.serverDataset(ds.id, { name: 'numbers' })
    const loaded = await remote.load()
    expect(loaded.items.map((i) => i.id)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4'])
    expect(loaded.source).toBe(`server:${ds.id}`)
    // Same content as an inline dataset → same version (describeEval history lines up).
    const inline = await dataset
      .inline(
        'numbers',
        Array.from({ length: 5 }, (_, i) => ({
          id: `n${i}`,
          input: i,
          expected: i * i,
          tags: i < 2 ? ['small'] : [],
        })),
      )
      .load()
    expect(loaded.version).toBe(inline.version)
    expect((await remote.withTags('small').load()).items).toHaveLength(2)

    const result = await client.runTestSuite({
      name: 'squares-from-server',
      data: remote,
      task: (input) => (input as number) ** 2,
      evaluators: [exact],
    })
    expect((await client.getRunResults(result.runId)).data?.testRunSummary.passedItems).toBe(5)

    await expect(client.serverDataset('missing-ds').load()).rejects.toThrow(
      /server:missing-ds could not be loaded/,
    )
  })

  test('module-level functions use a default client from EVALGATE_URL', async () => {
    const previous = process.env.EVALGATE_URL
    process.env.EVALGATE_URL = server.url
    try {
      const ds = await createDatasetDefault({ name: 'via-env' })
      expect(ds.name).toBe('via-env')
      expect((await getRunResultsDefault('nope')).success).toBe(false)
    } finally {
      await closeDefaultClient()
      if (previous === undefined) delete process.env.EVALGATE_URL
      else process.env.EVALGATE_URL = previous
    }
  })

  test('bad arguments are refused with one clear error', async () => {
    await expect(client.createDataset({ name: ' ' })).rejects.toThrow(
      'createDataset(): `name` must be a non-empty string',
    )
    await expect(
      client.runTestSuite({ name: 'x', data: [{ input: 1 }], task: (i) => i, maxConcurrency: 0 }),
    ).rejects.toThrow('maxConcurrency must be an integer >= 1')
    await expect(
      client.runTestSuite({
        name: 'x',
        data: [{ input: 1 }],
        task: (i) => i,
        evaluators: [exact],
        star: 'nope',
      }),
    ).rejects.toThrow(
      'invalid suite definition "x": star.metric: star names the metric "nope", which is not one of the suite\'s metrics ("exact")',
    )
    expect(() => createClient({ env: {} })).toThrow(/no server URL/)
  })
})
