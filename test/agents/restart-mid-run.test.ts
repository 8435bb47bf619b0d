/**
 * An agent's evaluation run survives its server: a spawned `evalgate serve` is SIGKILLed while the
 * run is in its dataset phase, a new one is started on the same database (SQLite file, PostgreSQL),
 * takes the run over when the dead server's lease lapses, keeps the rows already answered and
 * finishes it. Agents are registered and runs cancelled with the real `evalgate agents` command.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Gradient from '@digitalocean/gradient'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli, runCli, type ServeProcess, spawnServe } from '../helpers/cli.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'
import { AGENT_STAND_IN_KEY, type AgentStandIn, startAgentStandIn } from './agent-stand-in.js'

const ROWS = 30

describe.each(DIALECTS)('agent runs across a server restart on %s', (dialect) => {
  const databases = useDatabases(dialect)
  let cli = ''
  let cwd = ''
  let agent: AgentStandIn
  const servers: ServeProcess[] = []
  const env: NodeJS.ProcessEnv = { EVALGATE_SECRET_KEY: dialect === 'postgres' ? 'cd'.repeat(32) : '' }

  beforeAll(async () => {
    cli = await buildCli()
    cwd = mkdtempSync(join(tmpdir(), 'evalgate-agents-'))
    agent = await startAgentStandIn({ latencyMs: 100 })
  })
  afterAll(async () => {
    for (const s of servers)
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
    await Promise.all(servers.map((s) => s.exited))
    await agent?.close()
    rmSync(cwd, { recursive: true, force: true })
  })

  async function serve(db: string): Promise<ServeProcess> {
    const s = await spawnServe(cli, ['--db', db, '--job-lease-ms', '1500'], env, cwd)
    servers.push(s)
    return s
  }

  async function follow(client: Gradient, uuid: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = (await client.agents.evaluationRuns.retrieve(uuid)).evaluation_run?.status ?? ''
      if (/SUCCESSFUL|FAILED|CANCELLED/.test(status)) return status
      if (Date.now() > deadline) throw new Error(`run ${uuid} still ${status}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  it('resumes the run on the restarted server, keeping the rows already answered', async () => {
    const db = await databases.next()
    const first = await serve(db)
    const added = await runCli(
      cli,
      [
        'agents',
        'add',
        '--url',
        first.url,
        '--name',
        'slow-bot',
        '--base-url',
        agent.baseUrl,
        '--model',
        'stand-in',
        '--api-key',
        AGENT_STAND_IN_KEY,
        '--concurrency',
        '2',
        '--json',
      ],
      env,
      cwd,
    )
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).not.toContain(AGENT_STAND_IN_KEY)
    const agentId = (JSON.parse(added.stdout) as { id: string }).id
    const listed = await runCli(cli, ['agents', 'list', '--url', first.url], env, cwd)
    expect(listed.stdout).toContain('slow-bot')
    expect(listed.stdout).toContain('key stored encrypted')
    expect(listed.stdout).not.toContain(AGENT_STAND_IN_KEY)

    let client = new Gradient({ baseURL: first.url, accessToken: 'dummy', maxRetries: 0 })
    const csv = [
      'query,ground_truth',
      ...Array.from({ length: ROWS }, (_, i) => `"{""query"":""q${i}""}",x`),
    ].join('\n')
    const presigned = await client.agents.evaluationDatasets.createFileUploadPresignedURLs({
      files: [{ file_name: 'rows.csv' }],
    })
    const up = presigned.uploads![0]!
    await fetch(up.presigned_url!, { method: 'PUT', body: csv })
    const dataset = await client.agents.evaluationDatasets.create({
      name: 'rows',
      file_upload_dataset: { stored_object_key: up.object_key! },
    })
    const { metrics } = await client.agents.evaluationMetrics.list()
    const exact = metrics!.find((m) => m.metric_name === 'exactMatch')!.metric_uuid!
    const tc = await client.agents.evaluationTestCases.create({
      name: 'rows',
      dataset_uuid: dataset.evaluation_dataset_uuid!,
      metrics: [exact],
    })
    const { evaluation_run_uuids } = await client.agents.evaluationRuns.create({
      test_case_uuid: tc.test_case_uuid!,
      run_name: 'survives',
      agent_uuids: [agentId],
    })
    const uuid = evaluation_run_uuids![0]!

    // mid-dataset: some rows answered and written, most not yet sent
    while (agent.prompts.length < 10) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 300))
    first.child.kill('SIGKILL')
    await first.exited
    const sentBeforeKill = agent.prompts.length
    expect(sentBeforeKill).toBeLessThan(ROWS)

    const second = await serve(db)
    client = new Gradient({ baseURL: second.url, accessToken: 'dummy', maxRetries: 0 })
    const kept = (await client.agents.evaluationRuns.listResults(uuid)).meta?.total ?? 0
    expect(kept).toBeGreaterThan(0)
    expect((await client.agents.evaluationRuns.retrieve(uuid)).evaluation_run?.status).toBe(
      'EVALUATION_RUN_RUNNING_DATASET',
    )

    // the dead server's lease lapses (1.5 s), the new server takes the run over and finishes it
    expect(await follow(client, uuid, 30_000)).toBe('EVALUATION_RUN_SUCCESSFUL')
    const results = await client.agents.evaluationRuns.listResults(uuid, { per_page: 100 })
    expect(results.meta?.total).toBe(ROWS)
    expect(new Set(results.prompts!.map((p) => p.input)).size).toBe(ROWS)
    expect(results.prompts!.every((p) => p.output === "I don't know")).toBe(true)
    // rows answered before the kill were not sent again: only the ones in flight or not yet written
    const resent = agent.prompts.length - ROWS
    expect(resent).toBeLessThanOrEqual(sentBeforeKill - kept)
    expect(new Set(agent.prompts).size).toBe(ROWS)

    // cancel with the CLI: a run held by a row the agent never answers (timeout 60 s) is stopped at once
    const hold = await client.agents.evaluationDatasets.createFileUploadPresignedURLs({
      files: [{ file_name: 'hold.csv' }],
    })
    const holdUp = hold.uploads![0]!
    await fetch(holdUp.presigned_url!, { method: 'PUT', body: 'query\n"{""query"":""wait [timeout]""}"\n' })
    const holdSet = await client.agents.evaluationDatasets.create({
      name: 'hold',
      file_upload_dataset: { stored_object_key: holdUp.object_key! },
    })
    const holdCase = await client.agents.evaluationTestCases.create({
      name: 'hold',
      dataset_uuid: holdSet.evaluation_dataset_uuid!,
      metrics: [exact],
    })
    const again = await client.agents.evaluationRuns.create({
      test_case_uuid: holdCase.test_case_uuid!,
      run_name: 'cancel me',
      agent_uuids: [agentId],
    })
    const cancelId = again.evaluation_run_uuids![0]!
    const cancelled = await runCli(cli, ['agents', 'cancel', cancelId, '--url', second.url], env, cwd)
    expect(cancelled.code, cancelled.stderr).toBe(0)
    expect(cancelled.stdout).toMatch(new RegExp(`^run ${cancelId} is (cancelling|cancelled)\\n$`))
    expect(await follow(client, cancelId, 10_000)).toBe('EVALUATION_RUN_CANCELLED')
    expect(agent.prompts).toContain('wait [timeout]')
  }, 90_000)
})
