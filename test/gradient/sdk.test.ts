/**
 * Conformance of the Gradient-compatible routes, driven by the real `@digitalocean/gradient` SDK
 * against a real server (SQLite temp file and a throwaway PostgreSQL, loopback port). Runs and items are created through the
 * native API, the way the evalgate reporter creates them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Gradient, { BadRequestError, NotFoundError } from '@digitalocean/gradient'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Suite } from '../../src/schema/api.js'
import type { ItemResultInput, SuiteDefInput } from '../../src/schema/meta.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

let server: RunningServer
let client: Gradient

async function api<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (key) headers.authorization = `Bearer ${key}`
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const json = (await res.json()) as T
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`)
  return json
}

/** The suite definition the reporter would send for the suite's version `version`. */
async function defOf(suiteId: string, version?: number): Promise<SuiteDefInput> {
  const s = await api<Suite>('GET', `/suites/${suiteId}${version ? `?version=${version}` : ''}`)
  return {
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    dataset: { name: s.datasetName, version: s.datasetVersion, size: s.datasetSize },
    turnType: s.turnType,
    metrics: s.metrics,
    star: s.star,
    gate: s.gate,
  }
}

function item(i: number, over: Partial<ItemResultInput> = {}): ItemResultInput {
  const lev = i / 24
  return {
    itemId: `row-${i}`,
    index: i,
    trial: 0,
    input: { question: `question ${i}?` },
    expected: `answer ${i}`,
    status: 'completed',
    output: `reply ${i}`,
    error: null,
    passed: true,
    latencyMs: 5,
    startedAt: '2026-01-01T00:00:00.000Z',
    usage: { inputTokens: 100 + i, outputTokens: 10 + i },
    costUsd: 0.0001,
    toolCalls: null,
    traceId: (i + 1).toString(16).padStart(32, 'a'),
    spanId: (i + 1).toString(16).padStart(16, 'b'),
    scores: [
      { metric: 'levenshtein', score: lev, passed: null, threshold: null, inverted: false, durationMs: 1 },
      {
        metric: 'exactMatch',
        score: i % 2 === 0 ? 1 : 0,
        passed: i % 2 === 0,
        threshold: 1,
        inverted: false,
        reason: i % 2 === 0 ? 'equal' : 'different',
        durationMs: 1,
      },
    ],
    ...over,
  }
}

async function runWith(def: SuiteDefInput, items: ItemResultInput[], runGroup: string): Promise<string> {
  const { run } = await api<{ run: { id: string } }>('POST', '/runs', {
    suite: def,
    runGroup,
    name: runGroup,
  })
  await api('POST', `/runs/${run.id}/items`, { items })
  await api('POST', `/runs/${run.id}/finalize`, {})
  return run.id
}

describe.each(DIALECTS)('Gradient SDK against evalgate on %s', (dialect) => {
  const databases = useDatabases(dialect)
  beforeAll(async () => {
    server = await startServer({ db: await databases.next(), port: 0 })
    client = new Gradient({ baseURL: server.url, accessToken: 'dummy-token', maxRetries: 0 })
  })
  afterAll(async () => {
    await server?.close()
  })

  const ids: Record<string, string> = {}
  let datasetUuid = ''
  let testCaseUuid = ''
  let runV1 = ''
  let runV2 = ''

  it('lists the metrics catalogue, including the built-in metrics', async () => {
    const { metrics } = await client.agents.evaluationMetrics.list()
    for (const m of metrics ?? []) if (m.metric_name && m.metric_uuid) ids[m.metric_name] = m.metric_uuid
    expect(Object.keys(ids)).toEqual(
      expect.arrayContaining(['exactMatch', 'levenshtein', 'containsAll', 'jsonValid', 'toolCalls']),
    )
    const exact = metrics?.find((m) => m.metric_name === 'exactMatch')
    expect(exact).toEqual({
      metric_uuid: ids.exactMatch,
      metric_name: 'exactMatch',
      description: 'output equals expected (canonical JSON; strings trimmed)',
      metric_type: 'METRIC_TYPE_GENERAL_QUALITY',
      metric_value_type: 'METRIC_VALUE_TYPE_NUMBER',
      range_min: 0,
      range_max: 1,
      inverted: false,
    })
    // a second listing keeps the same uuids
    const again = await client.agents.evaluationMetrics.list()
    expect(again.metrics?.find((m) => m.metric_name === 'exactMatch')?.metric_uuid).toBe(ids.exactMatch)
  })

  it('creates a dataset through the presigned-upload flow served by the server itself', async () => {
    const csv = [
      'query,ground_truth,topic',
      '"{""question"":""How long is the refund window?""}",30 days,billing',
      '"{""question"":""Do you ship abroad?""}",Yes,shipping',
      '"{""question"":""Hello""}",,chit-chat',
    ].join('\n')
    const presigned = await client.agents.evaluationDatasets.createFileUploadPresignedURLs({
      files: [{ file_name: 'faq.csv', file_size: String(Buffer.byteLength(csv)) }],
    })
    expect(presigned.request_id).toMatch(/^[0-9a-f-]{36}$/)
    const upload = presigned.uploads?.[0]
    expect(upload?.original_file_name).toBe('faq.csv')
    expect(upload?.object_key).toMatch(/faq\.csv$/)
    expect(upload?.presigned_url?.startsWith(`${server.url}/v2/gen-ai/`)).toBe(true)
    expect(Date.parse(upload?.expires_at ?? '')).toBeGreaterThan(Date.now())

    // like an S3 presigned URL: a plain PUT, no Authorization header
    const put = await fetch(upload!.presigned_url!, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    })
    expect(put.status).toBe(200)
    expect(await put.json()).toEqual({
      object_key: upload!.object_key,
      size_in_bytes: String(Buffer.byteLength(csv)),
    })
    const bad = await fetch(upload!.presigned_url!.replace(/token=[^&]+/, 'token=forged'), {
      method: 'PUT',
      body: csv,
    })
    expect(bad.status).toBe(403)

    const created = await client.agents.evaluationDatasets.create({
      name: 'faq-upload',
      file_upload_dataset: {
        original_file_name: 'faq.csv',
        stored_object_key: upload!.object_key!,
        size_in_bytes: String(Buffer.byteLength(csv)),
      },
    })
    datasetUuid = created.evaluation_dataset_uuid ?? ''
    expect(datasetUuid).toMatch(/^[0-9a-f-]{36}$/)

    const listed = (await client.get('/v2/gen-ai/evaluation_datasets')) as {
      evaluation_datasets: Record<string, unknown>[]
    }
    expect(listed.evaluation_datasets).toContainEqual({
      dataset_uuid: datasetUuid,
      dataset_name: 'faq-upload',
      created_at: expect.any(String),
      row_count: 3,
      file_size: String(Buffer.byteLength(csv)),
      has_ground_truth: true,
    })
    // the items are in the dataset, through the native API
    const items = await api<{ items: { input: unknown; expected?: unknown; metadata: unknown }[] }>(
      'GET',
      `/datasets/${datasetUuid}/items`,
    )
    expect(items.items).toEqual([
      expect.objectContaining({
        input: { question: 'How long is the refund window?' },
        expected: '30 days',
        metadata: { topic: 'billing' },
      }),
      expect.objectContaining({ input: { question: 'Do you ship abroad?' }, expected: 'Yes' }),
      expect.objectContaining({ input: { question: 'Hello' }, metadata: { topic: 'chit-chat' } }),
    ])
    expect(items.items[2]).not.toHaveProperty('expected')

    // the object was consumed
    await expect(
      client.agents.evaluationDatasets.create({
        name: 'again',
        file_upload_dataset: { stored_object_key: upload!.object_key! },
      }),
    ).rejects.toThrow(BadRequestError)
  })

  it('rejects a dataset file with a bad row, naming the line, and keeps the upload for a retry', async () => {
    const presigned = await client.agents.evaluationDatasets.createFileUploadPresignedURLs({
      files: [{ file_name: 'bad.csv' }],
    })
    const up = presigned.uploads![0]!
    await fetch(up.presigned_url!, { method: 'PUT', body: 'query,expected\n"{""q"":1}",a\nnot json,b\n' })
    const err = await client.agents.evaluationDatasets
      .create({ name: 'bad', file_upload_dataset: { stored_object_key: up.object_key! } })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BadRequestError)
    expect((err as Error).message).toMatch(/bad\.csv line 3: column "query" must be a JSON object string/)
    const listed = (await client.get('/v2/gen-ai/evaluation_datasets')) as {
      evaluation_datasets: { dataset_name: string }[]
    }
    expect(listed.evaluation_datasets.map((d) => d.dataset_name)).not.toContain('bad')
    // same key again: still there (and still bad)
    await expect(
      client.agents.evaluationDatasets.create({
        name: 'bad',
        file_upload_dataset: { stored_object_key: up.object_key! },
      }),
    ).rejects.toThrow(/line 3/)
  })

  it('creates a test case with metrics given as uuids and a star metric, and retrieves it', async () => {
    const created = await client.agents.evaluationTestCases.create({
      name: 'faq-gradient',
      description: 'FAQ answers',
      dataset_uuid: datasetUuid,
      metrics: [ids.levenshtein!, ids.exactMatch!],
      star_metric: { metric_uuid: ids.levenshtein!, success_threshold: 0.6 },
    })
    testCaseUuid = created.test_case_uuid ?? ''
    expect(testCaseUuid).toMatch(/^[0-9a-f-]{36}$/)

    const { evaluation_test_case: tc } = await client.agents.evaluationTestCases.retrieve(testCaseUuid)
    expect(tc).toMatchObject({
      test_case_uuid: testCaseUuid,
      name: 'faq-gradient',
      description: 'FAQ answers',
      version: 1,
      dataset_uuid: datasetUuid,
      dataset_name: 'faq-upload',
      dataset: {
        dataset_uuid: datasetUuid,
        dataset_name: 'faq-upload',
        row_count: 3,
        has_ground_truth: true,
      },
      star_metric: { metric_uuid: ids.levenshtein, name: 'levenshtein', success_threshold: 0.6 },
      total_runs: 0,
      latest_version_number_of_runs: 0,
    })
    expect(tc?.metrics?.map((m) => [m.metric_uuid, m.metric_name])).toEqual([
      [ids.levenshtein, 'levenshtein'],
      [ids.exactMatch, 'exactMatch'],
    ])
  })

  it('lists runs by test case and version, and updates the test case to a new version', async () => {
    runV1 = await runWith(
      await defOf(testCaseUuid),
      [0, 1, 2].map((i) => item(i * 12)),
      'v1-run',
    )

    const updated = await client.agents.evaluationTestCases.update(testCaseUuid, {
      body_test_case_uuid: testCaseUuid,
      metrics: { metric_uuids: [ids.levenshtein!, ids.exactMatch!, ids.containsAll!] },
    })
    expect(updated).toEqual({ test_case_uuid: testCaseUuid, version: 2 })

    // description only: not a new version; the API's own field name is accepted too
    const renamed = await client.agents.evaluationTestCases.update(testCaseUuid, {
      test_case_uuid: testCaseUuid,
      description: 'FAQ answers, v2',
    } as Record<string, unknown>)
    expect(renamed.version).toBe(2)

    const v1 = await client.agents.evaluationTestCases.retrieve(testCaseUuid, {
      evaluation_test_case_version: 1,
    })
    expect(v1.evaluation_test_case?.version).toBe(1)
    expect(v1.evaluation_test_case?.metrics?.map((m) => m.metric_name)).toEqual(['levenshtein', 'exactMatch'])
    // every version is its whole definition: version 1 keeps its own description
    expect(v1.evaluation_test_case?.description).not.toBe('FAQ answers, v2')
    expect(v1.evaluation_test_case?.description).toBe('FAQ answers')
    const v2 = await client.agents.evaluationTestCases.retrieve(testCaseUuid)
    expect(v2.evaluation_test_case?.version).toBe(2)
    expect(v2.evaluation_test_case?.description).toBe('FAQ answers, v2')
    expect(v2.evaluation_test_case?.metrics?.map((m) => m.metric_name)).toEqual([
      'levenshtein',
      'exactMatch',
      'containsAll',
    ])

    const v2Items = Array.from({ length: 25 }, (_, i) =>
      i === 3
        ? item(i, {
            status: 'failed',
            output: null,
            error: { name: 'Error', message: 'agent crashed' },
            passed: false,
            usage: null,
            scores: [],
          })
        : item(i),
    )
    runV2 = await runWith(await defOf(testCaseUuid), v2Items, 'v2-run')

    const byV1 = await client.agents.evaluationTestCases.listEvaluationRuns(testCaseUuid, {
      evaluation_test_case_version: 1,
    })
    expect(byV1.evaluation_runs?.map((r) => [r.evaluation_run_uuid, r.test_case_version])).toEqual([
      [runV1, 1],
    ])
    const byV2 = await client.agents.evaluationTestCases.listEvaluationRuns(testCaseUuid, {
      evaluation_test_case_version: 2,
    })
    expect(byV2.evaluation_runs?.map((r) => r.evaluation_run_uuid)).toEqual([runV2])
    const all = await client.agents.evaluationTestCases.listEvaluationRuns(testCaseUuid)
    expect(all.evaluation_runs?.map((r) => r.evaluation_run_uuid).sort()).toEqual([runV1, runV2].sort())

    const { evaluation_test_cases } = await client.agents.evaluationTestCases.list()
    const listed = evaluation_test_cases?.find((t) => t.test_case_uuid === testCaseUuid)
    expect(listed).toMatchObject({ version: 2, total_runs: 2, latest_version_number_of_runs: 1 })
  })

  it('retrieves a run with status, pass status, star metric and run-level results', async () => {
    const { evaluation_run: run } = await client.agents.evaluationRuns.retrieve(runV2)
    expect(run).toMatchObject({
      evaluation_run_uuid: runV2,
      run_name: 'v2-run',
      status: 'EVALUATION_RUN_PARTIALLY_SUCCESSFUL',
      pass_status: false,
      test_case_uuid: testCaseUuid,
      test_case_name: 'faq-gradient',
      test_case_description: 'FAQ answers, v2',
      test_case_version: 2,
    })
    expect(typeof run?.queued_at).toBe('string')
    expect(typeof run?.finished_at).toBe('string')
    // levenshtein = i/24 over the 24 completed items (i ≠ 3): (300 − 3) / 24 / 24
    const levMean = (300 - 3) / 24 / 24
    expect(run?.star_metric_result?.metric_name).toBe('levenshtein')
    expect(run?.star_metric_result?.metric_value_type).toBe('METRIC_VALUE_TYPE_NUMBER')
    expect(run?.star_metric_result?.number_value).toBeCloseTo(levMean, 10)
    expect(run?.star_metric_result?.reasoning).toMatch(/^failed \(mean>=successThreshold\)/)
    const byName = Object.fromEntries((run?.run_level_metric_results ?? []).map((r) => [r.metric_name, r]))
    expect(byName.levenshtein?.number_value).toBeCloseTo(levMean, 10)
    // exactMatch = 1 on even i: 13 of the 24 completed items (i = 0, 2, …, 24; item 3 errored)
    expect(byName.exactMatch?.number_value).toBeCloseTo(13 / 24, 10)
    expect(byName.exactMatch?.reasoning).toMatch(/^mean of 24 scored items/)

    const { evaluation_run: first } = await client.agents.evaluationRuns.retrieve(runV1)
    expect(first?.status).toBe('EVALUATION_RUN_SUCCESSFUL')
    expect(first?.test_case_version).toBe(1)
  })

  it('shows a run still receiving items as RUNNING_DATASET, without a pass status', async () => {
    const def = await defOf(testCaseUuid)
    const { run } = await api<{ run: { id: string } }>('POST', '/runs', { suite: def, runGroup: 'in-flight' })
    const queued = await client.agents.evaluationRuns.retrieve(run.id)
    expect(queued.evaluation_run?.status).toBe('EVALUATION_RUN_QUEUED')
    await api('POST', `/runs/${run.id}/items`, { items: [item(0), item(1)] })
    const { evaluation_run: running } = await client.agents.evaluationRuns.retrieve(run.id)
    expect(running?.status).toBe('EVALUATION_RUN_RUNNING_DATASET')
    expect(running).not.toHaveProperty('pass_status')
    expect(running).not.toHaveProperty('finished_at')
    const results = await client.agents.evaluationRuns.listResults(run.id)
    expect(results.prompts?.map((p) => p.prompt_id)).toEqual([1, 2])
    expect(results.meta).toEqual({ page: 1, pages: 1, total: 2 })
  })

  it('pages through results with page / per_page, links and meta', async () => {
    const page2 = await client.agents.evaluationRuns.listResults(runV2, { page: 2, per_page: 10 })
    expect(page2.evaluation_run?.evaluation_run_uuid).toBe(runV2)
    expect(page2.prompts?.map((p) => p.prompt_id)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    expect(page2.meta).toEqual({ page: 2, pages: 3, total: 25 })
    const base = `${server.url}/v2/gen-ai/evaluation_runs/${runV2}/results`
    expect(page2.links?.pages).toEqual({
      first: `${base}?page=1&per_page=10`,
      last: `${base}?page=3&per_page=10`,
      next: `${base}?page=3&per_page=10`,
      previous: `${base}?page=1&per_page=10`,
    })
    const page3 = await client.agents.evaluationRuns.listResults(runV2, { page: 3, per_page: 10 })
    expect(page3.prompts?.map((p) => p.prompt_id)).toEqual([21, 22, 23, 24, 25])
    expect(page3.links?.pages).not.toHaveProperty('next')
    const defaults = await client.agents.evaluationRuns.listResults(runV2)
    expect(defaults.meta).toEqual({ page: 1, pages: 2, total: 25 })
    expect(defaults.prompts).toHaveLength(20)
  })

  it('retrieves one result by prompt id, with string token counts and metric results', async () => {
    const { prompt } = await client.agents.evaluationRuns.retrieveResults(7, { evaluation_run_uuid: runV2 })
    expect(prompt).toEqual({
      prompt_id: 7,
      input: '{"question":"question 6?"}',
      output: 'reply 6',
      ground_truth: 'answer 6',
      input_tokens: '106',
      output_tokens: '16',
      trace_id: (7).toString(16).padStart(32, 'a'),
      prompt_chunks: [],
      prompt_level_metric_results: [
        { metric_name: 'levenshtein', metric_value_type: 'METRIC_VALUE_TYPE_NUMBER', number_value: 0.25 },
        {
          metric_name: 'exactMatch',
          metric_value_type: 'METRIC_VALUE_TYPE_NUMBER',
          number_value: 1,
          reasoning: 'equal',
        },
      ],
    })
    const failed = await client.agents.evaluationRuns.retrieveResults(4, { evaluation_run_uuid: runV2 })
    expect(failed.prompt?.prompt_id).toBe(4)
    expect(failed.prompt).not.toHaveProperty('output')
    expect(failed.prompt).not.toHaveProperty('input_tokens')
    expect(failed.prompt?.prompt_level_metric_results).toEqual([])
  })

  it('answers bad input with typed SDK errors carrying the server message', async () => {
    const missingRun = await client.agents.evaluationRuns.retrieve('no-such-run').catch((e: unknown) => e)
    expect(missingRun).toBeInstanceOf(NotFoundError)
    expect((missingRun as NotFoundError).status).toBe(404)
    expect((missingRun as Error).message).toMatch(/run "no-such-run" not found/)

    await expect(client.agents.evaluationTestCases.retrieve('nope')).rejects.toThrow(NotFoundError)
    await expect(
      client.agents.evaluationTestCases.retrieve(testCaseUuid, { evaluation_test_case_version: 99 }),
    ).rejects.toThrow(NotFoundError)
    await expect(
      client.agents.evaluationTestCases.listEvaluationRuns(testCaseUuid, {
        evaluation_test_case_version: 99,
      }),
    ).rejects.toThrow(NotFoundError)
    await expect(
      client.agents.evaluationRuns.retrieveResults(999, { evaluation_run_uuid: runV2 }),
    ).rejects.toThrow(NotFoundError)

    const unknownMetric = await client.agents.evaluationTestCases
      .create({ name: 'x', dataset_uuid: datasetUuid, metrics: [ids.levenshtein!, 'bogus'] })
      .catch((e: unknown) => e)
    expect(unknownMetric).toBeInstanceOf(BadRequestError)
    expect((unknownMetric as Error).message).toMatch(/unknown metric uuid "bogus"/)
    expect((unknownMetric as BadRequestError).error).toMatchObject({ path: 'metrics.1' })

    const noName = await client.agents.evaluationTestCases
      .create({ dataset_uuid: datasetUuid, metrics: [ids.levenshtein!] })
      .catch((e: unknown) => e)
    expect(noName).toBeInstanceOf(BadRequestError)
    expect((noName as BadRequestError).error).toMatchObject({ path: 'name' })

    const badStar = await client.agents.evaluationTestCases
      .create({
        name: 'y',
        dataset_uuid: datasetUuid,
        metrics: [ids.levenshtein!],
        star_metric: { metric_uuid: ids.exactMatch! },
      })
      .catch((e: unknown) => e)
    expect(badStar).toBeInstanceOf(BadRequestError)
    expect((badStar as BadRequestError).error).toMatchObject({ path: 'star_metric.metric_uuid' })

    // a taken name is a 400 (the SDK would retry a 409)
    const dup = await client.agents.evaluationTestCases
      .create({ name: 'faq-gradient', dataset_uuid: datasetUuid, metrics: [ids.levenshtein!] })
      .catch((e: unknown) => e)
    expect(dup).toBeInstanceOf(BadRequestError)
    expect((dup as Error).message).toMatch(/already exists/)

    await expect(
      client.agents.evaluationTestCases.create({
        name: 'z',
        dataset_uuid: 'no-such-dataset',
        metrics: [ids.levenshtein!],
      }),
    ).rejects.toThrow(NotFoundError)

    const mismatch = await client.agents.evaluationTestCases
      .update(testCaseUuid, { body_test_case_uuid: 'other' })
      .catch((e: unknown) => e)
    expect(mismatch).toBeInstanceOf(BadRequestError)
    expect((mismatch as BadRequestError).error).toMatchObject({ path: 'body_test_case_uuid' })

    const perPage = await client.agents.evaluationRuns
      .listResults(runV2, { per_page: 0 })
      .catch((e: unknown) => e)
    expect(perPage).toBeInstanceOf(BadRequestError)
    expect((perPage as BadRequestError).error).toMatchObject({ path: 'per_page' })

    const create = await client.agents.evaluationRuns
      .create({ test_case_uuid: testCaseUuid, agent_uuids: ['a'], run_name: 'r' })
      .catch((e: unknown) => e)
    // runs against agents: test/agents/gradient-agent-runs.test.ts
    expect(create).toBeInstanceOf(NotFoundError)
    expect((create as Error).message).toBe('404 agent "a" not found')
  })

  it('scopes data to the project of a real API key', async () => {
    const project = await api<{ id: string }>('POST', '/projects', { name: 'other-team' })
    const { key } = await api<{ key: string }>('POST', `/projects/${project.id}/keys`, {})
    const other = new Gradient({ baseURL: server.url, accessToken: key, maxRetries: 0 })
    const { evaluation_test_cases } = await other.agents.evaluationTestCases.list()
    expect(evaluation_test_cases).toEqual([])
    await expect(other.agents.evaluationTestCases.retrieve(testCaseUuid)).rejects.toThrow(NotFoundError)
    await expect(other.agents.evaluationRuns.retrieve(runV2)).rejects.toThrow(NotFoundError)
    // without a token the SDK refuses to send; with any other token loopback uses the default project
    const anyToken = new Gradient({ baseURL: server.url, accessToken: 'whatever', maxRetries: 0 })
    const mine = await anyToken.agents.evaluationTestCases.list()
    expect(mine.evaluation_test_cases?.map((t) => t.test_case_uuid)).toContain(testCaseUuid)
  })
})

describe('Gradient routes with API keys required', () => {
  let locked: RunningServer
  let lockedDir: string

  beforeAll(async () => {
    lockedDir = mkdtempSync(join(tmpdir(), 'evalgate-gradient-auth-'))
    locked = await startServer({ db: join(lockedDir, 'evalgate.db'), port: 0, requireAuth: true })
  })
  afterAll(async () => {
    await locked?.close()
    if (lockedDir) rmSync(lockedDir, { recursive: true, force: true })
  })

  it('answers 401 to an unknown key and serves a valid one', async () => {
    const { AuthenticationError } = await import('@digitalocean/gradient')
    const anon = new Gradient({ baseURL: locked.url, accessToken: 'not-a-key', maxRetries: 0 })
    const err = await anon.agents.evaluationTestCases.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect((err as Error).message).toMatch(/invalid API key/)

    const project = await locked.services.projects.ensureDefault()
    const created = await locked.services.projects.createKey(project.id)
    const ok = new Gradient({ baseURL: locked.url, accessToken: created.key, maxRetries: 0 })
    const { metrics } = await ok.agents.evaluationMetrics.list()
    expect(metrics?.map((m) => m.metric_name)).toContain('levenshtein')
  })
})
