/**
 * Gradient evaluation runs against agents, driven by the real `@digitalocean/gradient` SDK against a
 * real server (SQLite file and a throwaway PostgreSQL): agents registered over the native API, a
 * dataset uploaded and a test case created through the SDK, runs created, followed, read and
 * cancelled. The agent is a local OpenAI-compatible stand-in with scripted latency, errors and
 * timeouts (test/agents/agent-stand-in.ts).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Gradient, { BadRequestError, NotFoundError } from '@digitalocean/gradient'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../../src/schema/agents.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { JUDGE_STAND_IN_KEY, type JudgeStandIn, startJudgeStandIn } from '../examples/judge-stand-in.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'
import { AGENT_STAND_IN_KEY, type AgentStandIn, startAgentStandIn } from './agent-stand-in.js'

const TERMINAL = new Set([
  'EVALUATION_RUN_SUCCESSFUL',
  'EVALUATION_RUN_PARTIALLY_SUCCESSFUL',
  'EVALUATION_RUN_FAILED',
  'EVALUATION_RUN_CANCELLED',
])

const ROWS: { query: string; truth: string }[] = [
  { query: 'capital of France?', truth: 'Paris' },
  { query: 'capital of Spain?', truth: 'Madrid' },
  { query: 'capital of Italy?', truth: 'Rome' },
  { query: 'capital of Peru? [error]', truth: 'Lima' },
  { query: 'capital of Chile? [timeout]', truth: 'Santiago' },
  { query: 'capital of Japan?', truth: 'Tokyo' },
]
const ANSWERS = {
  'capital of France?': 'Paris',
  'capital of Spain?': 'Madrid',
  'capital of Italy?': 'Milan',
  'capital of Japan?': 'Tokyo',
}

function csvOf(rows: readonly { query: string; truth: string }[]): string {
  const cell = (s: string) => `"${s.replace(/"/g, '""')}"`
  return [
    'query,ground_truth',
    ...rows.map((r) => `${cell(JSON.stringify({ query: r.query }))},${r.truth}`),
  ].join('\n')
}

describe.each(DIALECTS)('Gradient evaluation runs of agents on %s', (dialect) => {
  const databases = useDatabases(dialect)
  let server: RunningServer
  let client: Gradient
  let agent: AgentStandIn
  let slowAgent: AgentStandIn
  let judge: JudgeStandIn
  let dbLocation = ''
  const metricIds: Record<string, string> = {}
  let testCaseUuid = ''
  let agentId = ''
  const savedSecret = process.env.EVALGATE_SECRET_KEY

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
        : {}),
    })
    return { status: res.status, json: (await res.json()) as T }
  }

  async function follow(uuid: string, timeoutMs = 20_000): Promise<string[]> {
    const seen: string[] = []
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { evaluation_run } = await client.agents.evaluationRuns.retrieve(uuid)
      const status = evaluation_run?.status ?? ''
      if (seen.at(-1) !== status) seen.push(status)
      if (TERMINAL.has(status)) return seen
      if (Date.now() > deadline) throw new Error(`run ${uuid} still ${status} after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  async function uploadDataset(name: string, csv: string): Promise<string> {
    const presigned = await client.agents.evaluationDatasets.createFileUploadPresignedURLs({
      files: [{ file_name: `${name}.csv`, file_size: String(Buffer.byteLength(csv)) }],
    })
    const up = presigned.uploads![0]!
    const put = await fetch(up.presigned_url!, { method: 'PUT', body: csv })
    expect(put.status).toBe(200)
    const created = await client.agents.evaluationDatasets.create({
      name,
      file_upload_dataset: { original_file_name: `${name}.csv`, stored_object_key: up.object_key! },
    })
    return created.evaluation_dataset_uuid!
  }

  async function addAgent(body: Record<string, unknown>): Promise<Agent> {
    const res = await api<Agent>('POST', '/agents', body)
    expect(res.status, JSON.stringify(res.json)).toBe(201)
    return res.json
  }

  beforeAll(async () => {
    // PostgreSQL has no file beside it: the secret must come from the environment
    if (dialect === 'postgres') process.env.EVALGATE_SECRET_KEY = 'ab'.repeat(32)
    agent = await startAgentStandIn({ latencyMs: 20, answers: ANSWERS })
    slowAgent = await startAgentStandIn({ latencyMs: 400, answers: ANSWERS })
    dbLocation = await databases.next()
    judge = await startJudgeStandIn()
    server = await startServer({
      db: dbLocation,
      port: 0,
      jobs: { pollMs: 100 },
      scoring: {
        judge: { model: 'judge-1', baseURL: judge.baseUrl, apiKey: JUDGE_STAND_IN_KEY, maxRetries: 0 },
        replayMode: 'off',
      },
    })
    client = new Gradient({ baseURL: server.url, accessToken: 'dummy-token', maxRetries: 0 })
    const { metrics } = await client.agents.evaluationMetrics.list()
    for (const m of metrics ?? [])
      if (m.metric_name && m.metric_uuid) metricIds[m.metric_name] = m.metric_uuid
  })
  afterAll(async () => {
    await server?.close()
    await agent?.close()
    await slowAgent?.close()
    await judge?.close()
    if (savedSecret === undefined) delete process.env.EVALGATE_SECRET_KEY
    else process.env.EVALGATE_SECRET_KEY = savedSecret
  })

  it('registers agents without ever returning their keys, and stores a given key encrypted', async () => {
    const created = await addAgent({
      name: 'capitals-bot',
      baseUrl: `${agent.baseUrl}/`,
      model: 'stand-in-1',
      apiKey: AGENT_STAND_IN_KEY,
      timeoutMs: 1500,
      concurrency: 4,
    })
    agentId = created.id
    expect(created).toMatchObject({
      name: 'capitals-bot',
      baseUrl: agent.baseUrl,
      model: 'stand-in-1',
      apiKeySource: 'stored',
      timeoutMs: 1500,
      concurrency: 4,
    })
    const listed = await api<{ agents: Agent[] }>('GET', '/agents')
    const one = await api<Agent>('GET', '/agents/capitals-bot')
    for (const text of [JSON.stringify(created), JSON.stringify(listed.json), JSON.stringify(one.json)])
      expect(text).not.toContain(AGENT_STAND_IN_KEY)
    expect(one.json.id).toBe(agentId)

    const row = await server.store.db
      .selectFrom('agents')
      .selectAll()
      .where('id', '=', agentId)
      .executeTakeFirstOrThrow()
    expect(row.api_key_enc).toMatch(/^v1:/)
    expect(row.api_key_enc).not.toContain(AGENT_STAND_IN_KEY)
    expect(existsSync(`${dbLocation}.key`)).toBe(dialect === 'sqlite')

    const dup = await api<{ error: { message: string } }>('POST', '/agents', {
      name: 'capitals-bot',
      baseUrl: agent.baseUrl,
      model: 'x',
    })
    expect(dup.status).toBe(409)
    const bad = await api<{ error: { message: string } }>('POST', '/agents', {
      name: 'b',
      baseUrl: 'ftp://x',
      model: 'x',
      apiKey: 'k',
      apiKeyEnv: 'K',
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.json)).toMatch(/baseUrl/)
  })

  it('runs a test case through an agent: rows answered, scored, failures kept, PARTIALLY_SUCCESSFUL', async () => {
    const datasetUuid = await uploadDataset('capitals', csvOf(ROWS))
    const tc = await client.agents.evaluationTestCases.create({
      name: 'capitals',
      dataset_uuid: datasetUuid,
      metrics: [metricIds.exactMatch!, metricIds.levenshtein!],
      star_metric: { metric_uuid: metricIds.exactMatch!, success_threshold: 0.5 },
    })
    testCaseUuid = tc.test_case_uuid!

    const started = await client.agents.evaluationRuns.create({
      test_case_uuid: testCaseUuid,
      run_name: 'capitals vs bot',
      agent_uuids: [agentId],
    })
    expect(started.evaluation_run_uuids).toHaveLength(1)
    const uuid = started.evaluation_run_uuids![0]!
    const seen = await follow(uuid)
    expect(seen.at(-1)).toBe('EVALUATION_RUN_PARTIALLY_SUCCESSFUL')
    // the timed-out row holds the dataset phase open for 1.5 s: the poll sees it
    expect(seen).toContain('EVALUATION_RUN_RUNNING_DATASET')
    // statuses only move forward through Gradient's sequence
    const order = [
      'EVALUATION_RUN_QUEUED',
      'EVALUATION_RUN_RUNNING_DATASET',
      'EVALUATION_RUN_EVALUATING_RESULTS',
      'EVALUATION_RUN_PARTIALLY_SUCCESSFUL',
    ]
    const positions = seen.map((s) => order.indexOf(s))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)

    const { evaluation_run: run } = await client.agents.evaluationRuns.retrieve(uuid)
    expect(run).toMatchObject({
      evaluation_run_uuid: uuid,
      run_name: 'capitals vs bot',
      test_case_uuid: testCaseUuid,
      agent_uuid: agentId,
      agent_name: 'capitals-bot',
      agent_deleted: false,
      // exactMatch: 3 of the 4 answered rows (mean 0.75 >= 0.5), but rows that failed fail the run
      pass_status: false,
    })
    expect(run?.error_description).toMatch(/^2 of 6 rows failed at the agent; first \(row \d\): /)
    expect(run?.star_metric_result?.number_value).toBeCloseTo(3 / 4)

    const results = await client.agents.evaluationRuns.listResults(uuid, { per_page: 10 })
    const prompts = results.prompts ?? []
    expect(prompts).toHaveLength(6)
    const byInput = new Map(prompts.map((p) => [JSON.parse(p.input!).query as string, p]))
    const paris = byInput.get('capital of France?')!
    expect(paris).toMatchObject({ output: 'Paris', ground_truth: 'Paris' })
    expect(paris.input_tokens).toBe(String('capital of France?'.length))
    expect(paris.output_tokens).toBe('5')
    expect(paris.prompt_level_metric_results?.find((m) => m.metric_name === 'exactMatch')?.number_value).toBe(
      1,
    )
    const milan = byInput.get('capital of Italy?')!
    expect(milan.output).toBe('Milan')
    expect(milan.prompt_level_metric_results?.find((m) => m.metric_name === 'exactMatch')?.number_value).toBe(
      0,
    )
    const peru = byInput.get('capital of Peru? [error]')!
    expect(peru.output).toBeUndefined()
    expect(peru.prompt_level_metric_results?.[0]?.reasoning).toMatch(
      /not evaluated: the agent failed \(POST .* answered 400: scripted failure/,
    )
    const chile = byInput.get('capital of Chile? [timeout]')!
    expect(chile.prompt_level_metric_results?.[0]?.reasoning).toBe(
      'not evaluated: the agent timed out (agent capitals-bot did not answer within 1500 ms)',
    )
    const one = await client.agents.evaluationRuns.retrieveResults(paris.prompt_id!, {
      evaluation_run_uuid: uuid,
    })
    expect(one.prompt?.output).toBe('Paris')

    // the native API keeps the error of each failed row
    const native = await api<{ items: { status: string; error: { message: string } | null }[] }>(
      'GET',
      `/runs/${uuid}/results?status=errored`,
    )
    expect(native.json.items.map((i) => i.status).sort()).toEqual(['failed', 'timeout'])
    // the agent got each row once, with a traceparent joining its spans to the row's trace
    expect(agent.prompts.filter((p) => p === 'capital of France?')).toHaveLength(1)
    expect(agent.traceparents.every((t) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(t))).toBe(true)
  })

  it('scores the answers with a server judge metric of the test case (judge stand-in) besides built-ins', async () => {
    expect(metricIds['server:correctness']).toBeDefined()
    const rows = ROWS.filter((r) => !r.query.includes('['))
    const datasetUuid = await uploadDataset('capitals-judged', csvOf(rows))
    const tc = await client.agents.evaluationTestCases.create({
      name: 'capitals-judged',
      dataset_uuid: datasetUuid,
      metrics: [metricIds['server:correctness']!, metricIds.exactMatch!],
      star_metric: { metric_uuid: metricIds['server:correctness']!, success_threshold: 0.5 },
    })
    const judgeCalls = judge.requests.length
    const { evaluation_run_uuids } = await client.agents.evaluationRuns.create({
      test_case_uuid: tc.test_case_uuid!,
      run_name: 'judged',
      agent_uuids: [agentId],
    })
    const uuid = evaluation_run_uuids![0]!
    const seen = await follow(uuid)
    // every row answered and scored: SUCCESSFUL (execution); whether it passes is the verdict below
    expect(seen.at(-1)).toBe('EVALUATION_RUN_SUCCESSFUL')
    const results = await client.agents.evaluationRuns.listResults(uuid, { per_page: 10 })
    expect(results.prompts).toHaveLength(rows.length)
    for (const p of results.prompts ?? []) {
      const names = (p.prompt_level_metric_results ?? []).map((m) => m.metric_name).sort()
      expect(names).toEqual(['exactMatch', 'server:correctness'])
      const judged = p.prompt_level_metric_results!.find((m) => m.metric_name === 'server:correctness')!
      expect(judged.error_description).toBeUndefined()
      // the stand-in judge (factuality labels) grades C when the answer equals the expert answer
      expect(judged.number_value).toBe(p.output === p.ground_truth ? 1 : 0)
    }
    // one judge call per answered row, made by the server with its judge model
    expect(judge.requests.length - judgeCalls).toBe(rows.length)
    expect(judge.requests.at(-1)?.model).toBe('judge-1')
    const { evaluation_run } = await client.agents.evaluationRuns.retrieve(uuid)
    expect(evaluation_run?.star_metric_result).toMatchObject({
      metric_name: 'server:correctness',
      number_value: 0.75,
    })
    // Milan is not Rome: that row fails both metrics, and without a gate every row must pass
    expect(evaluation_run?.pass_status).toBe(false)
  })

  it('records the agent calls and replays them when EVALGATE_AGENT_REPLAY is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalgate-agent-rec-'))
    process.env.EVALGATE_AGENT_REPLAY = 'auto'
    process.env.EVALGATE_AGENT_RECORDINGS = dir
    try {
      const rows = ROWS.slice(0, 2)
      const tc = await client.agents.evaluationTestCases.create({
        name: 'replayed',
        dataset_uuid: await uploadDataset('replayed', csvOf(rows)),
        metrics: [metricIds.exactMatch!],
      })
      const outputs = async () => {
        const before = agent.prompts.length
        const { evaluation_run_uuids } = await client.agents.evaluationRuns.create({
          test_case_uuid: tc.test_case_uuid!,
          run_name: 'replayed',
          agent_uuids: [agentId],
        })
        expect((await follow(evaluation_run_uuids![0]!)).at(-1)).toBe('EVALUATION_RUN_SUCCESSFUL')
        const { prompts } = await client.agents.evaluationRuns.listResults(evaluation_run_uuids![0]!)
        return { calls: agent.prompts.length - before, outputs: prompts!.map((p) => p.output).sort() }
      }
      const first = await outputs()
      expect(first).toEqual({ calls: 2, outputs: ['Madrid', 'Paris'] })
      expect(readdirSync(dir)).toEqual(['replayed--capitals-bot.jsonl'])
      // answered from the recordings: the agent is not called again
      expect(await outputs()).toEqual({ calls: 0, outputs: ['Madrid', 'Paris'] })
    } finally {
      delete process.env.EVALGATE_AGENT_REPLAY
      delete process.env.EVALGATE_AGENT_RECORDINGS
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('marks a run FAILED when its job is given up (its servers kept dying): never left running', async () => {
    const hang = await addAgent({
      name: 'hang-bot',
      baseUrl: agent.baseUrl,
      model: 'm',
      apiKey: AGENT_STAND_IN_KEY,
      timeoutMs: 60_000,
    })
    const tc = await client.agents.evaluationTestCases.create({
      name: 'hang',
      dataset_uuid: await uploadDataset('hang', csvOf([{ query: 'hang here [timeout]', truth: 'x' }])),
      metrics: [metricIds.exactMatch!],
    })
    const { evaluation_run_uuids } = await client.agents.evaluationRuns.create({
      test_case_uuid: tc.test_case_uuid!,
      run_name: 'given up',
      agent_uuids: [hang.id],
    })
    const uuid = evaluation_run_uuids![0]!
    while (!agent.prompts.includes('hang here [timeout]')) await new Promise((r) => setTimeout(r, 20))
    // as if this was the last allowed claim, by a server that died: its lease lapsed
    const updated = await server.store.db
      .updateTable('jobs')
      .set((eb) => ({
        attempts: eb.ref('max_attempts'),
        lease_owner: 'a-dead-server',
        lease_expires_at: '2000-01-01T00:00:00.000Z',
      }))
      .where('subject', '=', uuid)
      .where('kind', '=', 'agent-run')
      .executeTakeFirst()
    expect(Number(updated.numUpdatedRows)).toBe(1)
    expect((await follow(uuid)).at(-1)).toBe('EVALUATION_RUN_FAILED')
    const { evaluation_run } = await client.agents.evaluationRuns.retrieve(uuid)
    expect(evaluation_run?.error_description).toMatch(
      /^the evaluation run was given up: gave up after 3 attempts .*lease lapsed/,
    )
  })

  it('answers 404 naming an unknown test case or agent, 400 without agents', async () => {
    const unknownCase = await client.agents.evaluationRuns
      .create({ test_case_uuid: 'no-such-case', run_name: 'x', agent_uuids: [agentId] })
      .catch((e: unknown) => e)
    expect(unknownCase).toBeInstanceOf(NotFoundError)
    expect((unknownCase as Error).message).toMatch(/no-such-case/)
    const unknownAgent = await client.agents.evaluationRuns
      .create({ test_case_uuid: testCaseUuid, run_name: 'x', agent_uuids: [agentId, 'no-such-agent'] })
      .catch((e: unknown) => e)
    expect(unknownAgent).toBeInstanceOf(NotFoundError)
    expect((unknownAgent as Error).message).toMatch(/agent "no-such-agent" not found/)
    await expect(
      client.agents.evaluationRuns.create({ test_case_uuid: testCaseUuid, run_name: 'x', agent_uuids: [] }),
    ).rejects.toBeInstanceOf(BadRequestError)
  })

  it('runs one run per agent; an agent refusing every call ends FAILED with the error kept', async () => {
    process.env.EVALGATE_TEST_WRONG_AGENT_KEY = 'sk-wrong'
    const wrong = await addAgent({
      name: 'wrong-key-bot',
      baseUrl: agent.baseUrl,
      model: 'stand-in-1',
      apiKeyEnv: 'EVALGATE_TEST_WRONG_AGENT_KEY',
    })
    expect(wrong.apiKeySource).toBe('env')
    expect(wrong.apiKeyEnv).toBe('EVALGATE_TEST_WRONG_AGENT_KEY')
    const started = await client.agents.evaluationRuns.create({
      test_case_uuid: testCaseUuid,
      run_name: 'two agents',
      agent_uuids: [agentId, wrong.id],
    })
    const [good, bad] = started.evaluation_run_uuids!
    expect((await follow(good!)).at(-1)).toBe('EVALUATION_RUN_PARTIALLY_SUCCESSFUL')
    expect((await follow(bad!)).at(-1)).toBe('EVALUATION_RUN_FAILED')
    const { evaluation_run } = await client.agents.evaluationRuns.retrieve(bad!)
    expect(evaluation_run?.pass_status).toBe(false)
    expect(evaluation_run?.error_description).toMatch(
      /6 of 6 rows failed at the agent; .*401: Incorrect API key/,
    )
    const runs = await client.agents.evaluationTestCases.listEvaluationRuns(testCaseUuid)
    expect(runs.evaluation_runs?.map((r) => r.evaluation_run_uuid)).toEqual(
      expect.arrayContaining([good, bad]),
    )
    expect(runs.evaluation_runs?.find((r) => r.evaluation_run_uuid === bad)).toMatchObject({
      agent_uuid: wrong.id,
      agent_name: 'wrong-key-bot',
      agent_deleted: false,
    })
  })

  it('cancels a running run: CANCELLING, then CANCELLED, answered rows kept, no calls after', async () => {
    const slow = await addAgent({
      name: 'slow-bot',
      baseUrl: slowAgent.baseUrl,
      model: 'stand-in-1',
      apiKey: AGENT_STAND_IN_KEY,
      concurrency: 1,
    })
    const rows = Array.from({ length: 40 }, (_, i) => ({ query: `capital of France? #${i}`, truth: 'Paris' }))
    const datasetUuid = await uploadDataset('many', csvOf(rows))
    const tc = await client.agents.evaluationTestCases.create({
      name: 'many',
      dataset_uuid: datasetUuid,
      metrics: [metricIds.exactMatch!],
    })
    const { evaluation_run_uuids } = await client.agents.evaluationRuns.create({
      test_case_uuid: tc.test_case_uuid!,
      run_name: 'to cancel',
      agent_uuids: [slow.id],
    })
    const uuid = evaluation_run_uuids![0]!
    while (slowAgent.prompts.length < 2) await new Promise((r) => setTimeout(r, 20))
    const cancelled = (await client.post(`/v2/gen-ai/evaluation_runs/${uuid}/cancel`)) as {
      evaluation_run: { status: string }
    }
    expect(['EVALUATION_RUN_CANCELLING', 'EVALUATION_RUN_CANCELLED']).toContain(
      cancelled.evaluation_run.status,
    )
    expect((await follow(uuid, 5000)).at(-1)).toBe('EVALUATION_RUN_CANCELLED')
    const calls = slowAgent.prompts.length
    expect(calls).toBeLessThan(10)
    await new Promise((r) => setTimeout(r, 600))
    expect(slowAgent.prompts.length).toBe(calls)
    const { evaluation_run } = await client.agents.evaluationRuns.retrieve(uuid)
    expect(evaluation_run?.pass_status).toBe(false)
    const results = await client.agents.evaluationRuns.listResults(uuid)
    expect(results.meta?.total).toBeGreaterThanOrEqual(1)
    expect(results.meta?.total).toBeLessThan(calls + 1)
    // cancelling again is harmless; a finished run stays as it is
    const again = (await client.post(`/v2/gen-ai/evaluation_runs/${uuid}/cancel`)) as {
      evaluation_run: { status: string }
    }
    expect(again.evaluation_run.status).toBe('EVALUATION_RUN_CANCELLED')
  })

  it('fails a run at once, saying why, when the agent key variable is not set on the server', async () => {
    delete process.env.EVALGATE_TEST_UNSET_AGENT_KEY
    const unset = await addAgent({
      name: 'unset-key-bot',
      baseUrl: agent.baseUrl,
      model: 'm',
      apiKeyEnv: 'EVALGATE_TEST_UNSET_AGENT_KEY',
    })
    const calls = agent.prompts.length
    const { evaluation_run_uuids } = await client.agents.evaluationRuns.create({
      test_case_uuid: testCaseUuid,
      run_name: 'no key',
      agent_uuids: [unset.name],
    })
    const uuid = evaluation_run_uuids![0]!
    expect((await follow(uuid)).at(-1)).toBe('EVALUATION_RUN_FAILED')
    const { evaluation_run } = await client.agents.evaluationRuns.retrieve(uuid)
    expect(evaluation_run?.error_description).toBe(
      'agent "unset-key-bot" reads its API key from EVALGATE_TEST_UNSET_AGENT_KEY, which is not set on this server',
    )
    expect(agent.prompts.length).toBe(calls)
    // the run keeps naming its agent once the agent is removed
    expect((await api('DELETE', `/agents/${unset.id}`)).status).toBe(200)
    expect((await client.agents.evaluationRuns.retrieve(uuid)).evaluation_run).toMatchObject({
      agent_uuid: unset.id,
      agent_name: 'unset-key-bot',
      agent_deleted: true,
    })
  })

  it('removes an agent: it is gone, and a run of it is refused naming it', async () => {
    const temp = await addAgent({ name: 'temp-bot', baseUrl: agent.baseUrl, model: 'm', apiKey: 'k' })
    const removed = await api<Agent>('DELETE', `/agents/${temp.id}`)
    expect(removed.status).toBe(200)
    expect(JSON.stringify(removed.json)).not.toContain('"k"')
    expect((await api('GET', `/agents/${temp.id}`)).status).toBe(404)
    await expect(
      client.agents.evaluationRuns.create({
        test_case_uuid: testCaseUuid,
        run_name: 'x',
        agent_uuids: [temp.id],
      }),
    ).rejects.toBeInstanceOf(NotFoundError)
  })
})
