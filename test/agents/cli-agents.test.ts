/**
 * `evalgate agents` as a user runs it, on a local database (the in-process server of the CLI):
 * add, list, remove, cancel, and the usage errors. Against a running `evalgate serve`:
 * test/agents/restart-mid-run.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli, runCli } from '../helpers/cli.js'

describe('evalgate agents', () => {
  let cli = ''
  let cwd = ''
  let db = ''
  const agents = (...args: string[]) =>
    runCli(cli, ['agents', ...args, '--db', db], { EVALGATE_URL: '' }, cwd)

  beforeAll(async () => {
    cli = await buildCli()
    cwd = mkdtempSync(join(tmpdir(), 'evalgate-agents-cli-'))
    db = join(cwd, 'local.db')
  })
  afterAll(() => rmSync(cwd, { recursive: true, force: true }))

  it('adds, lists and removes agents, never printing a key', async () => {
    const added = await agents(
      'add',
      '--name',
      'bot',
      '--base-url',
      'http://127.0.0.1:9/v1',
      '--model',
      'gpt-x',
      '--api-key-env',
      'BOT_KEY',
      '--timeout-ms',
      '5000',
    )
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toMatch(
      /^added [0-9a-f-]{36}\tbot\tgpt-x at http:\/\/127\.0\.0\.1:9\/v1\tkey from \$BOT_KEY\ttimeout 5000 ms, concurrency 8\n$/,
    )
    const secret = await agents(
      'add',
      '--name',
      'keyed',
      '--base-url',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--api-key',
      'sk-very-secret',
      '--json',
    )
    expect(secret.code, secret.stderr).toBe(0)
    expect(secret.stdout).not.toContain('sk-very-secret')
    expect(JSON.parse(secret.stdout)).toMatchObject({ name: 'keyed', apiKeySource: 'stored' })

    const listed = await agents('list')
    expect(
      listed.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[1]),
    ).toEqual(['bot', 'keyed'])
    expect(listed.stdout).not.toContain('sk-very-secret')

    const again = await agents('add', '--name', 'bot', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm')
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/agent "bot" already exists: remove it first/)

    expect((await agents('remove', 'bot')).stdout).toMatch(/^removed [0-9a-f-]{36}\tbot\t/)
    expect((await agents('remove', 'keyed')).code).toBe(0)
    expect((await agents('list')).stdout).toBe('no agents\n')
    const gone = await agents('remove', 'bot')
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/agent "bot" not found/)
  })

  it('names what is wrong with the command line', async () => {
    const missing = await agents('add', '--name', 'x')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe('evalgate agents: add needs --base-url, --model\n')
    const both = await agents(
      'add',
      '--name',
      'x',
      '--base-url',
      'http://h/v1',
      '--model',
      'm',
      '--api-key',
      'k',
      '--api-key-env',
      'K',
    )
    expect(both.stderr).toBe('evalgate agents: give --api-key-env or --api-key, not both\n')
    const badUrl = await agents('add', '--name', 'x', '--base-url', 'not a url', '--model', 'm')
    expect(badUrl.code).toBe(1)
    expect(badUrl.stderr).toMatch(/baseUrl: must be an absolute http\(s\) URL/)
    expect((await agents('cancel')).stderr).toBe('evalgate agents: cancel needs the run id\n')
    const unknown = await agents('cancel', 'no-such-run')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/run "no-such-run" not found/)
    expect((await agents('frobnicate')).code).toBe(2)
  })
})
