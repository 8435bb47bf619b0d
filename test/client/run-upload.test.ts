/**
 * One upload path (src/client/run-upload.ts) with one failure rule, seen through its three users:
 * the reporter's UploadSession, `evalgate upload` and runTestSuite. A real server behind a
 * loopback proxy that injects the failures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { UploadSession } from '../../reporter/session.js'
import { EvalgateApi } from '../../src/client/api.js'
import { createClient } from '../../src/client/client.js'
import { EvalgateApiError } from '../../src/client/errors.js'
import { Outbox } from '../../src/client/outbox.js'
import { evaluator } from '../../src/evaluators/index.js'
import type { ItemResult, SuiteDef } from '../../src/schema/meta.js'
import { SuiteDefSchema } from '../../src/schema/meta.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { buildCli, runCli } from '../helpers/cli.js'
import { type FaultyProxy, startFaultyProxy } from '../helpers/faulty-proxy.js'
import { client as http } from '../helpers/http.js'
import { makeItem, makeSuite } from './items.js'

let dir: string
let server: RunningServer
let proxy: FaultyProxy
let cli: string
let apis: EvalgateApi[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-run-upload-'))
  server = await startServer({ db: join(dir, 's.db') })
  proxy = await startFaultyProxy(server.url)
  cli = await buildCli()
})
afterEach(async () => {
  proxy.setFault(null)
  await Promise.all(apis.map((a) => a.close()))
  apis = []
})
afterAll(async () => {
  await proxy?.close()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A client through the proxy, without the transport's retries (the rule sees the first answer). */
function proxied(): EvalgateApi {
  const api = new EvalgateApi({ url: proxy.url, retries: 0 })
  apis.push(api)
  return api
}

/** Item uploads whose items belong to suite `name` (item ids `<name>-<i>`). */
const itemsOf =
  (name: string, status: number) =>
  ({ method, path, body }: { method: string; path: string; body: string }) =>
    method === 'POST' && /\/items$/.test(path) && body.includes(`"itemId":"${name}-`) ? status : null

function items(name: string, n: number): ItemResult[] {
  return Array.from({ length: n }, (_, i) => makeItem(i, { itemId: `${name}-${i}` }))
}

function session(group: string, outbox: Outbox, provider?: () => Promise<{ api: EvalgateApi }>) {
  const lines: string[] = []
  const api = provider ? null : proxied()
  const s = new UploadSession({
    api: provider ?? (async () => ({ api: api!, urlSource: 'the test' })),
    outbox,
    runGroup: { id: group, source: 'test' },
    batchSize: 4,
    maxBufferedItems: 40,
    log: (line) => lines.push(line),
  })
  return { session: s, lines }
}

const suite = (name: string): SuiteDef => SuiteDefSchema.parse(makeSuite(name))

async function runsOf(group: string) {
  const { body } = await http(server.url).get(`/api/v1/runs?runGroup=${group}&limit=50`)
  return body.runs as { suiteName: string; status: string; summary: { totalItems: number } }[]
}

describe('the reporter session', () => {
  test("one suite's 500 keeps only that suite in the outbox; the other suites upload and finalize", async () => {
    const outbox = new Outbox(join(dir, 'outbox-500'))
    const { session: s, lines } = session('g-500', outbox)
    proxy.setFault(itemsOf('flaky', 500))
    const steady = suite('steady')
    const flaky = suite('flaky')
    for (const item of items('steady', 10)) await s.add(steady, item, false)
    for (const item of items('flaky', 10)) await s.add(flaky, item, false)
    const results = await s.finish()

    expect(s.serverError).toBeNull()
    const byName = Object.fromEntries(results.map((r) => [r.state.name, r]))
    expect(byName.steady!.run?.summary.totalItems).toBe(10)
    expect(byName.steady!.run?.status).toBe('succeeded')
    expect(byName.flaky!.run).toBeNull()
    expect(byName.flaky!.state.error).toContain('HTTP 500')
    expect(byName.flaky!.state.spooled).toBe(10)
    expect(lines.filter((l) => l.includes('suite flaky'))).toHaveLength(1)
    const file = byName.flaky!.state.outboxFile!
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(11) // header + 10 items
    expect(outbox.list()).toEqual([file])

    // `evalgate upload` applies the same rule: a 500 keeps the file (exit 1); once the server
    // takes the items, the run is created, filled and finalized and the file removed
    const kept = await runCli(cli, ['upload', '--dir', outbox.dir, '--url', proxy.url])
    expect(kept.code, kept.stdout + kept.stderr).toBe(1)
    expect(kept.stderr).toContain('kept')
    expect(outbox.list()).toEqual([file])
    proxy.setFault(null)
    const sent = await runCli(cli, ['upload', '--dir', outbox.dir, '--url', proxy.url])
    expect(sent.code, sent.stdout + sent.stderr).toBe(0)
    expect(outbox.list()).toEqual([])
    const runs = await runsOf('g-500')
    expect(runs.map((r) => [r.suiteName, r.status, r.summary.totalItems]).sort()).toEqual([
      ['flaky', 'succeeded', 10],
      ['steady', 'succeeded', 10],
    ])
  })

  test('finish looks up the previous run once finalize has answered, so the run list reads the summary finalize stored', async () => {
    const suiteDef = suite('previous')
    const first = session('g-prev-1', new Outbox(join(dir, 'outbox-prev-1'))).session
    for (const item of items('previous', 3)) await first.add(suiteDef, item, false)
    const [before] = await first.finish()

    // The server's own direct path, recording when each request starts and ends.
    const trace: string[] = []
    const api = new EvalgateApi({
      url: server.url,
      retries: 0,
      dispatch: async (request) => {
        const name = `${request.method} ${request.path.replace(/[?].*$/, '').replace(/[0-9a-f-]{36}/, ':id')}`
        trace.push(`start ${name}`)
        const response = await server.dispatch(request)
        trace.push(`end ${name}`)
        return response
      },
    })
    apis.push(api)
    const second = session('g-prev-2', new Outbox(join(dir, 'outbox-prev-2')), async () => ({ api })).session
    for (const item of items('previous', 3)) await second.add(suiteDef, item, false)
    const [after] = await second.finish()

    expect(after!.run?.status).toBe('succeeded')
    expect(after!.previous?.id).toBe(before!.run!.id)
    const finalized = trace.indexOf('end POST /api/v1/runs/:id/finalize')
    const listed = trace.indexOf('start GET /api/v1/runs')
    expect(finalized).toBeGreaterThan(-1)
    expect(listed).toBeGreaterThan(finalized)
  })

  test('a 503 takes the whole upload offline: every suite goes to the outbox, and `evalgate upload` stops at the first file', async () => {
    const outbox = new Outbox(join(dir, 'outbox-503'))
    const { session: s, lines } = session('g-503', outbox)
    proxy.setFault(itemsOf('first', 503))
    const first = suite('first')
    const second = suite('second')
    for (const item of items('first', 6)) await s.add(first, item, false)
    for (const item of items('second', 6)) await s.add(second, item, false)
    const results = await s.finish()

    expect(s.serverError).toContain('HTTP 503')
    expect(lines).toEqual([`evalgate: ${s.serverError}`])
    for (const r of results) expect(r.run).toBeNull()
    expect(results.reduce((n, r) => n + r.state.spooled + r.state.uploaded, 0)).toBe(12)
    expect(outbox.list()).toHaveLength(2)

    proxy.setFault(() => 503)
    const stopped = await runCli(cli, ['upload', '--dir', outbox.dir, '--url', proxy.url])
    expect(stopped.code).toBe(1)
    expect(stopped.stderr).toContain('1 more file(s) not tried')
    expect(outbox.list()).toHaveLength(2)
  })

  test('a provider that cannot connect is server-wide: every suite is spooled with its message', async () => {
    const outbox = new Outbox(join(dir, 'outbox-connect'))
    const { session: s } = session('g-connect', outbox, async () => {
      throw new Error('cannot open .evalgate/evalgate.db: disk full')
    })
    for (const name of ['a', 'b']) for (const item of items(name, 5)) await s.add(suite(name), item, false)
    const results = await s.finish()
    expect(s.serverError).toBe('cannot open .evalgate/evalgate.db: disk full')
    expect(results.map((r) => [r.run, r.state.spooled])).toEqual([
      [null, 5],
      [null, 5],
    ])
  })
})

describe('runTestSuite', () => {
  const exact = evaluator('exact', ({ output, expected }) => output === expected, { threshold: 1 })

  test('a failed item upload fails the call with that error, and the run is finalized failed', async () => {
    proxy.setFault(({ method, path }) => (method === 'POST' && /\/items$/.test(path) ? 500 : null))
    const sdk = createClient({ url: proxy.url, retries: 0 })
    try {
      const error = await sdk
        .runTestSuite({
          name: 'sdk-500',
          data: [{ input: 'France', expected: 'Paris' }],
          task: () => 'Paris',
          evaluators: [exact],
          runGroup: 'g-sdk-500',
        })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EvalgateApiError)
      expect((error as EvalgateApiError).status).toBe(500)
    } finally {
      await sdk.close()
    }
    const [run] = await runsOf('g-sdk-500')
    expect(run).toMatchObject({ suiteName: 'sdk-500', status: 'failed' })
  })
})
