import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js'
import {
  cleanEnv,
  REPO,
  readJsonl,
  runCli,
  runFixture,
  type ServeProcess,
  spawnProcess,
  startServe,
  stateDir,
} from './helpers.js'

// Remote mode: a standalone `evalgate serve` process (the bundled CLI), spawned `vitest run`
// processes uploading to it over EVALGATE_URL.

const SHARDS = join(REPO, 'test/fixtures/reporter-shards')
const states: ReturnType<typeof stateDir>[] = []
const servers: ServeProcess[] = []
function freshState() {
  const state = stateDir()
  states.push(state)
  return state
}
afterAll(async () => {
  for (const server of servers) await server.kill()
  for (const state of states) state.cleanup()
})

async function serve(args: string[], cwd: string) {
  const server = await startServe(args, { cwd })
  servers.push(server)
  return server
}

describe('remote server (SQLite)', () => {
  test('server killed mid-run → the rest goes to the outbox → `evalgate upload` → exact counts, no duplicates', async () => {
    const state = freshState()
    const server = await serve(['--db', state.db], state.dir)
    const api = new EvalgateApi({ url: server.url, retries: 0 })
    const env = {
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_ITEMS: '300',
      FIXTURE_FAIL: '10',
      FIXTURE_GATE_PASSRATE: '0.9',
      FIXTURE_DELAY_MS: '60',
      EVALGATE_URL: server.url,
      EVALGATE_RUN_GROUP: 'kill-test',
    }
    let finished = false
    const vitest = runFixture(env).finally(() => {
      finished = true
    })
    // Kill the server (SIGKILL: a crash) once some items have arrived, while tests still run.
    let seen = 0
    const deadline = Date.now() + 120_000
    while (seen === 0 && !finished && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      const { runs } = await api.runs.list({ runGroup: 'kill-test' }).catch(() => ({ runs: [] }))
      seen = runs[0]?.summary.totalItems ?? 0
    }
    await api.close()
    await server.kill()
    const result = await vitest
    expect(seen, `no item reached the server before the run ended:\n${result.output}`).toBeGreaterThan(0)
    expect(result.code, result.output).toBe(1)
    expect(result.output).toContain(`cannot reach the evalgate server at ${server.url} (EVALGATE_URL)`)
    expect(result.output).toContain('gate NOT checked')
    const files = readdirSync(state.outbox)
    expect(files).toHaveLength(1)
    const spooled = readJsonl(join(state.outbox, files[0]!)).filter(
      (l) => (l as { kind: string }).kind === 'item',
    )
    expect(spooled.length).toBeGreaterThan(0)
    expect(spooled.length).toBeLessThanOrEqual(300)

    // The server comes back on the same database; upload the outbox.
    const again = await serve(['--db', state.db], state.dir)
    const upload = await runCli(['upload', '--dir', state.outbox, '--url', again.url], { cwd: state.dir })
    expect(upload.code, upload.output).toBe(0)
    expect(upload.stdout).toContain(`${spooled.length} items of sums (group kill-test)`)
    expect(existsSync(state.outbox) ? readdirSync(state.outbox) : []).toEqual([])

    const check = new EvalgateApi({ url: again.url, retries: 0 })
    const { runs } = await check.runs.list({ runGroup: 'kill-test' })
    expect(runs).toHaveLength(1)
    const run = runs[0]!
    expect(run.summary.totalItems).toBe(300)
    expect(run.summary.failedItems).toBe(10)
    expect(run.summary.passStatus).toBe(true)
    const results = await check.runs.results(run.id, { perPage: 1000 })
    expect(results.total).toBe(300)
    expect(new Set(results.items.map((i) => `${i.itemId}/${i.trial}`)).size).toBe(300)
    expect(new Set(results.items.map((i) => i.ordinal)).size).toBe(300)
    await check.close()

    // `evalgate gate` on that group now passes.
    const gate = await runCli(['gate', '--group', 'kill-test', '--url', again.url], { cwd: state.dir })
    expect(gate.code, gate.output).toBe(0)
    expect(gate.stdout).toContain('✓ sums (v1)')
    await again.stop()
  })

  test('three shards with one run group → one run per suite with every item; `evalgate gate` gives the verdict', async () => {
    const state = freshState()
    const server = await serve(['--db', state.db], state.dir)
    const group = `shards-${Date.now()}`
    const shardRuns = []
    for (let i = 1; i <= 3; i++) {
      shardRuns.push(
        spawnProcess(
          process.execPath,
          [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', `--shard=${i}/3`],
          { cwd: SHARDS, env: cleanEnv({ EVALGATE_URL: server.url, EVALGATE_RUN_GROUP: group }) },
        ).done,
      )
    }
    const results = await Promise.all(shardRuns)
    for (const r of results) {
      // Gated suites defer to `evalgate gate`: beta's failing items do not fail its shard.
      expect(r.code, r.output).toBe(0)
      expect(r.output).toContain(`npx evalgate gate --group ${group}`)
    }

    const api = new EvalgateApi({ url: server.url, retries: 0 })
    const { runs } = await api.runs.list({ runGroup: group })
    await api.close()
    const bySuite = Object.fromEntries(runs.map((r) => [r.suiteName, r.summary.totalItems]))
    expect(bySuite).toEqual({ alpha: 10, beta: 10, gamma: 8, shared: 6 })

    const gate = await runCli(['gate', '--group', group, '--url', server.url], { cwd: state.dir })
    expect(gate.code, gate.output).toBe(1)
    expect(gate.stdout).toMatch(
      /✗ beta \(v1\) run \S+: 10 items, 7 passed, 3 failed\n\s+FAILED: pass rate 0\.70 < 0\.90/,
    )
    expect(gate.stdout).toMatch(/✓ alpha \(v1\)/)
    expect(gate.stdout).toMatch(/✓ gamma \(v1\)/)
    expect(gate.stdout).toContain(`group ${group}: 1 of 4 runs FAIL`)

    const alphaOnly = await runCli(
      ['gate', '--group', group, '--suite', 'alpha', '--url', server.url, '--json'],
      {
        cwd: state.dir,
      },
    )
    expect(alphaOnly.code, alphaOnly.output).toBe(0)
    expect(JSON.parse(alphaOnly.stdout)).toMatchObject({
      passed: true,
      runs: [{ suite: 'alpha', passedItems: 8 }],
    })

    const missing = await runCli(['gate', '--group', 'no-such-group', '--url', server.url], {
      cwd: state.dir,
    })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no runs in group "no-such-group"')
    await server.stop()
  })

  test('--merge-reports: blob shards without the reporter, merged later → the runs are uploaded from meta', async () => {
    const state = freshState()
    const server = await serve(['--db', state.db], state.dir)
    const blobs = join(state.dir, 'blobs')
    for (let i = 1; i <= 3; i++) {
      const shard = await spawnProcess(
        process.execPath,
        [
          join(REPO, 'node_modules/vitest/vitest.mjs'),
          'run',
          `--shard=${i}/3`,
          '--reporter=blob',
          `--outputFile.blob=${join(blobs, `blob-${i}.json`)}`,
        ],
        { cwd: SHARDS, env: cleanEnv({ FIXTURE_NO_REPORTER: '1', EVALGATE_URL: server.url }) },
      ).done
      expect([0, 1]).toContain(shard.code)
    }
    const merged = await spawnProcess(
      process.execPath,
      [join(REPO, 'node_modules/vitest/vitest.mjs'), '--merge-reports', blobs],
      { cwd: SHARDS, env: cleanEnv({ EVALGATE_URL: server.url, EVALGATE_RUN_GROUP: 'merged' }) },
    ).done
    // Not sharded any more: the gates are checked now, and beta's fails.
    expect(merged.code, merged.output).toBe(1)
    expect(merged.output).toContain('gate: FAILED — pass rate 0.70 < 0.90')
    const api = new EvalgateApi({ url: server.url, retries: 0 })
    const { runs } = await api.runs.list({ runGroup: 'merged' })
    await api.close()
    expect(Object.fromEntries(runs.map((r) => [r.suiteName, r.summary.totalItems]))).toEqual({
      alpha: 10,
      beta: 10,
      gamma: 8,
      shared: 6,
    })
    await server.stop()
  })

  test('a running `evalgate serve` is discovered through .evalgate/server.json', async () => {
    const state = freshState()
    // serve started in the fixture directory records itself there; stopped, it removes the record.
    const server = await serve(['--db', state.db], SHARDS)
    expect(existsSync(join(SHARDS, '.evalgate/server.json'))).toBe(true)
    const result = await spawnProcess(
      process.execPath,
      [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', 'evals/b.eval.ts'],
      { cwd: SHARDS, env: cleanEnv() },
    ).done
    expect(result.code, result.output).toBe(1) // beta's gate fails (not sharded: checked now)
    expect(result.output).toContain(`run:  ${server.url}/runs/`)
    expect(result.output).toContain('gate: FAILED — pass rate 0.70 < 0.90')
    await server.stop()
    expect(existsSync(join(SHARDS, '.evalgate/server.json'))).toBe(false)
  })
})

const pgSkip = postgresUnavailable()

describe.skipIf(pgSkip !== undefined)('remote server on PostgreSQL with an API key', () => {
  let pgServer: TestPostgres | undefined
  afterAll(async () => {
    await pgServer?.stop()
  })

  test('uploads with the key; a wrong key gives one clear line and the outbox keeps the data', async () => {
    pgServer = await startPostgres()
    const dbUrl = await pgServer.createDatabase('evalgate_reporter')
    const state = freshState()
    const created = await runCli(['keys', 'create', '--project', 'ci', '--db', dbUrl], { cwd: state.dir })
    expect(created.code, created.output).toBe(0)
    const key = created.stdout.trim().split('\n').pop()!
    const server = await serve(['--db', dbUrl, '--require-auth'], state.dir)

    const ok = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '2',
      FIXTURE_GATE_PASSRATE: '0.8',
      EVALGATE_URL: server.url,
      EVALGATE_API_KEY: key,
      EVALGATE_RUN_GROUP: 'pg-1',
    })
    expect(ok.code, ok.output).toBe(0)
    expect(ok.output).toContain('evalgate  sums (v1)  20 items: 18 passed, 2 failed')
    expect(ok.output).toContain(`run:  ${server.url}/runs/`)

    const wrong = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '2',
      FIXTURE_GATE_PASSRATE: '0.8',
      EVALGATE_URL: server.url,
      EVALGATE_API_KEY: 'egk_wrong',
      EVALGATE_RUN_GROUP: 'pg-2',
    })
    expect(wrong.code, wrong.output).toBe(1)
    const lines = wrong.output.split('\n').filter((l) => l.includes('rejected EVALGATE_API_KEY'))
    expect(lines[0]).toMatch(
      new RegExp(
        `^evalgate: the evalgate server at ${server.url} \\(EVALGATE_URL\\) rejected EVALGATE_API_KEY \\(HTTP 401`,
      ),
    )
    expect(readdirSync(state.outbox)).toHaveLength(1)

    // Without a key the CLI is refused too; with it, the outbox goes up and both runs are listed.
    const refused = await runCli(['runs', '--url', server.url], { cwd: state.dir })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('HTTP 401')
    const upload = await runCli(['upload', '--dir', state.outbox, '--url', server.url, '--api-key', key], {
      cwd: state.dir,
    })
    expect(upload.code, upload.output).toBe(0)
    const listed = await runCli(['runs', '--json'], {
      cwd: state.dir,
      env: { EVALGATE_URL: server.url, EVALGATE_API_KEY: key },
    })
    const runs = (
      JSON.parse(listed.stdout) as { runs: { runGroup: string; summary: { totalItems: number } }[] }
    ).runs
    expect(runs.map((r) => [r.runGroup, r.summary.totalItems]).sort()).toEqual([
      ['pg-1', 20],
      ['pg-2', 20],
    ])
    await server.stop()
  })
})
