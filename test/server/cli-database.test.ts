// Which database the CLI's client commands open when no server is configured: `--db` may be a
// SQLite file or a postgres:// URL (a URL was once resolved as a relative path, which created a
// `postgres:` folder and an empty SQLite file there), and the commands that need stored runs
// (runs, show, gate, and keys and agents but for creating) refuse a missing local database instead
// of creating an empty one.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { startServer } from '../../src/server/index.js'
import { buildCli, bundleEmbeddedThread, runCli } from '../helpers/cli.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { postgresUnavailable } from '../helpers/postgres.js'
import { useDatabases } from '../helpers/stores.js'

const env = { EVALGATE_URL: '', EVALGATE_API_KEY: '', DATABASE_URL: '' }
let dir: string
let cli: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-cli-db-'))
  cli = await buildCli()
  await bundleEmbeddedThread(join(dirname(cli), 'server', 'embedded-thread.js'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a missing local database', () => {
  test.each([
    [['runs']],
    [['show', 'some-run']],
    [['gate', '--group', 'g1']],
    [['keys', 'list', '--project', 'p1']],
    [['agents', 'list']],
  ])('evalgate %j names it and creates nothing', async (args) => {
    const project = mkdtempSync(join(dir, 'empty-'))
    const result = await runCli(cli, args, env, project)
    expect(result.code, result.stdout).toBe(1)
    expect(result.stderr).toContain(`no database at ${join(project, '.evalgate', 'evalgate.db')}`)
    expect(result.stderr).toContain('run your evals first')
    expect(readdirSync(project)).toEqual([])
  })

  test('--db names another file: the same refusal, naming that file', async () => {
    const project = mkdtempSync(join(dir, 'other-'))
    const result = await runCli(cli, ['runs', '--db', 'data/evals.db'], env, project)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`no database at ${join(project, 'data', 'evals.db')}`)
    expect(existsSync(join(project, 'data'))).toBe(false)
  })
})

describe.skipIf(postgresUnavailable())('--db with a postgres:// URL', () => {
  const dbs = useDatabases('postgres')

  test('runs and show read that PostgreSQL database', async () => {
    const url = await dbs.next()
    const writer = await startServer({ db: url })
    const api = new EvalgateApi({ url: writer.url, retries: 0 })
    let runId: string
    try {
      const { run } = await api.runs.createOrJoin({
        suite: suiteDef({ name: 'on-postgres' }),
        runGroup: 'pg',
      })
      runId = run.id
      await api.runs.addItems(run.id, [itemResult(0), itemResult(1)])
      await api.runs.finalize(run.id, { outcome: 'completed' })
    } finally {
      await api.close()
      await writer.close()
    }
    const project = mkdtempSync(join(dir, 'pg-'))
    const runs = await runCli(cli, ['runs', '--db', url], env, project)
    expect(runs.code, runs.stderr).toBe(0)
    expect(runs.stdout).toContain('on-postgres')
    const shown = await runCli(cli, ['show', runId, '--db', url], env, project)
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('on-postgres')
    // nothing was made of the URL in the working directory
    expect(readdirSync(project)).toEqual([])
  })
})
