/**
 * Finding 3 (terminal injection) and 9 (double escaping): text from a server, a model or a thrown
 * error reaches the terminal escaped, once.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { formatTerminalSummary } from '../../reporter/summary.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { terminalBlock, terminalJson, terminalText } from '../../src/util/terminal-text.js'
import { makeItem, makeSuite } from '../client/items.js'
import { buildCli, runCli } from '../helpers/cli.js'
import { client } from '../helpers/http.js'

const OSC_TITLE = '\u001b]0;pwned\u0007'
const CLEAR = '\u001b[2J'
const C1_CSI = '\u009b31m'
const HOSTILE = `${OSC_TITLE}${CLEAR}${C1_CSI}\u0007bell\u202eevil`

/** Any byte a terminal would act on: C0 except newline, DEL, C1, bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: what the test looks for
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

describe('terminal sanitizer', () => {
  test('escapes ESC, CSI, OSC, BEL and C1 controls inline, newlines included', () => {
    const out = terminalText(`a\nb${HOSTILE}`)
    expect(out).not.toMatch(CONTROL)
    expect(out).not.toContain('\n')
    expect(out).toBe('a\\nb\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u0007bell\\u202eevil')
  })

  test('blocks keep newlines and tabs, nothing else', () => {
    expect(terminalBlock(`line 1\n\tline 2${CLEAR}`)).toBe('line 1\n\tline 2\\u001b[2J')
  })

  test('JSON for a terminal is the same value with C1 and bidi characters escaped', () => {
    const value = { s: HOSTILE, n: 1 }
    const text = terminalJson(value, 2)
    expect(text).not.toMatch(CONTROL)
    expect(JSON.parse(text)).toEqual(value)
  })

  test('plain text passes unchanged (quotes are not escaped)', () => {
    expect(terminalText('"Sydney" — ✓ é 日本')).toBe('"Sydney" — ✓ é 日本')
  })
})

describe('CLI and reporter output of hostile server text', () => {
  let server: RunningServer
  let dir: string
  let cli: string
  let runId: string
  const group = `group${CLEAR}`
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evalgate-term-'))
    cli = await buildCli()
    server = await startServer({ db: join(dir, 'db.sqlite') })
    const api = client(server.url)
    const suite = makeSuite(`suite${OSC_TITLE}`, {
      metrics: [{ name: `metric${C1_CSI}`, threshold: 1 }],
    })
    const created = await api.post('/api/v1/runs', { suite, runGroup: group })
    expect(created.status).toBe(201)
    runId = created.body.run.id
    const item = makeItem(0, {
      passed: false,
      output: 'Sydney',
      error: { name: 'Error', message: `boom${CLEAR}` },
      scores: [
        {
          metric: `metric${C1_CSI}`,
          score: 0,
          passed: false,
          threshold: 1,
          inverted: false,
          reason: `reason${OSC_TITLE}`,
          durationMs: 1,
        },
      ],
    })
    expect((await api.post(`/api/v1/runs/${runId}/items`, { items: [item] })).status).toBe(200)
    const fin = await api.post(`/api/v1/runs/${runId}/finalize`, {
      outcome: 'failed',
      errorDescription: `thrown: ${HOSTILE}`,
    })
    expect(fin.status).toBe(200)
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('evalgate show prints every server-supplied field escaped, output once-escaped', async () => {
    const r = await runCli(cli, ['show', runId, '--url', server.url])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(CONTROL)
    expect(r.stdout).toContain('error: thrown: \\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m')
    expect(r.stdout).toContain('suite\\u001b]0;pwned\\u0007')
    expect(r.stdout).toContain('metric\\u009b31m')
    expect(r.stdout).toContain('group group\\u001b[2J')
    expect(r.stdout).toContain('reason\\u001b]0;pwned')
    expect(r.stdout).toContain('output: "Sydney"')
    expect(r.stdout).not.toContain('\\"Sydney\\"')
  })

  test('evalgate show --json is valid JSON with no raw C1 control', async () => {
    const r = await runCli(cli, ['show', runId, '--url', server.url, '--json'])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(CONTROL)
    expect(JSON.parse(r.stdout).run.errorDescription).toBe(`thrown: ${HOSTILE}`)
  })

  test('evalgate runs and evalgate gate escape suite names, groups and failures', async () => {
    const runs = await runCli(cli, ['runs', '--url', server.url])
    expect(runs.code).toBe(0)
    expect(runs.stdout).not.toMatch(CONTROL)
    expect(runs.stdout).toContain('suite\\u001b]0;pwned\\u0007')
    const gate = await runCli(cli, ['gate', '--group', group, '--url', server.url, '--no-finalize'])
    expect(gate.code).toBe(1)
    expect(gate.stdout + gate.stderr).not.toMatch(CONTROL)
    expect(gate.stdout).toContain('suite\\u001b]0;pwned\\u0007')
  })

  test('server error messages are escaped in the CLI error line', async () => {
    const r = await runCli(cli, ['show', `missing${CLEAR}`, '--url', server.url])
    expect(r.code).toBe(1)
    expect(r.stderr).not.toMatch(CONTROL)
  })

  test('the reporter summary escapes suite and metric names', async () => {
    const run = (await client(server.url).get(`/api/v1/runs/${runId}`)).body
    const text = formatTerminalSummary({ run, previous: null, runUrl: run.id })
    expect(text).not.toMatch(CONTROL)
    expect(text).toContain('suite\\u001b]0;pwned\\u0007')
    expect(text).toContain('metric\\u009b31m')
  })
})
