// installReplay() defers loading undici to the first use of the global dispatcher (issue 13: it is
// most of a Vitest worker's import cost), and the deferred dispatcher still sends requests through
// the replay interceptor. Each test file runs in its own fork, so undici is not loaded beforehand.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { installReplay } from '../../src/replay/install.js'
import { emptyStats, type ReplayScope, runInScope } from '../../src/replay/scope.js'

const require = createRequire(import.meta.url)
const undiciLoaded = () =>
  Object.keys(require.cache).some((file) => /[\\/]node_modules[\\/]undici[\\/]/.test(file))
const globalDispatcher = () =>
  (globalThis as unknown as Record<symbol, object>)[Symbol.for('undici.globalDispatcher.1')]

const dir = mkdtempSync(join(tmpdir(), 'evalgate-replay-lazy-'))
let server: Server
let url = ''
let hits = 0
beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++
    res.setHeader('content-type', 'application/json')
    res.end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/echo`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

const scope = (mode: ReplayScope['mode']): ReplayScope => ({
  mode,
  file: join(dir, 'lazy.eval.ts.jsonl'),
  trial: 0,
  item: 'i1',
  salt: '',
  redact: [],
  occurrences: new Map(),
  stats: emptyStats(),
  problems: [],
})

describe('installReplay', () => {
  test('does not load undici; the first request does, and goes through the interceptor', async () => {
    expect(undiciLoaded()).toBe(false)
    installReplay()
    expect(undiciLoaded()).toBe(false)
    const standIn = globalDispatcher()
    expect(standIn).toBeDefined()

    // Outside a scope: passed through to the server untouched.
    const plain = await fetch(url)
    expect(await plain.json()).toEqual({ ok: true })
    expect(hits).toBe(1)
    expect(undiciLoaded()).toBe(true)
    // The stand-in handed over to the real composed dispatcher.
    expect(globalDispatcher()).not.toBe(standIn)

    // Inside a strict scope: the interceptor answers (a miss), the server is not called.
    const strict = scope('strict')
    await expect(runInScope(strict, () => fetch(url, { method: 'POST', body: '{"q":1}' }))).rejects.toThrow()
    expect(strict.problems[0]).toMatch(/EVALGATE_REPLAY=strict: no recording of POST/)
    expect(hits).toBe(1)

    // Record, then replay from the recording without calling the server.
    const record = scope('record')
    await runInScope(record, async () => (await fetch(url, { method: 'POST', body: '{"q":2}' })).text())
    expect(record.stats.recorded).toBe(1)
    expect(hits).toBe(2)
    const replay = scope('replay')
    const replayed = await runInScope(replay, async () =>
      (await fetch(url, { method: 'POST', body: '{"q":2}' })).json(),
    )
    expect(replayed).toEqual({ ok: true })
    expect(replay.stats.replayed).toBe(1)
    expect(hits).toBe(2)
  })

  test('installing twice keeps one interceptor', () => {
    const before = globalDispatcher()
    installReplay()
    expect(globalDispatcher()).toBe(before)
  })
})
