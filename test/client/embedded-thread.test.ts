// The embedded server in its worker thread (src/client/embedded.ts + src/server/embedded-thread.ts),
// as the built package runs it. Tests run from the sources, where startEmbeddedServer falls back
// to this thread; here the thread's script is bundled with esbuild the way tsup bundles it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EvalgateApi } from '../../src/client/api.js'
import { embeddedServerOptions as options, startEmbeddedServer } from '../../src/client/embedded.js'
import { classifyUploadFailure } from '../../src/client/run-upload.js'
import { openStore } from '../../src/store/open.js'
import { bundleEmbeddedThread } from '../helpers/cli.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
// Inside the repository, so the script's bare imports (fastify, better-sqlite3, …) resolve.
const buildDir = join(repoRoot, 'node_modules', '.evalgate-test', `thread-${process.pid}`)
const dataDir = mkdtempSync(join(tmpdir(), 'evalgate-thread-'))
let threadScript: URL
let crashingScript: URL

beforeAll(async () => {
  mkdirSync(buildDir, { recursive: true })
  await bundleEmbeddedThread(join(buildDir, 'embedded-thread.mjs'))
  threadScript = pathToFileURL(join(buildDir, 'embedded-thread.mjs'))
  // The same thread, ended abruptly (as by a native crash) when its second request arrives.
  const crashing = join(buildDir, 'crashing-entry.mjs')
  writeFileSync(
    crashing,
    `import { parentPort } from 'node:worker_threads'
let requests = 0
parentPort.on('message', (m) => { if (m.type === 'request' && ++requests === 2) process.exit(7) })
await import('./embedded-thread.mjs')
`,
  )
  crashingScript = pathToFileURL(crashing)
})

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true })
  rmSync(dataDir, { recursive: true, force: true })
})

describe('embedded server thread', () => {
  test('serves the API through the thread and keeps the data in the database file', async () => {
    const db = join(dataDir, 'thread.db')
    const server = await startEmbeddedServer(options(db), threadScript)
    expect(server.runsIn).toBe('thread')
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const api = new EvalgateApi({ url: server.url, dispatch: server.dispatch })
    let runId: string
    try {
      const created = await api.runs.createOrJoin({ suite: suiteDef({ name: 'threaded' }), runGroup: 't-1' })
      runId = created.run.id
      const added = await api.runs.addItems(runId, [itemResult(0), itemResult(1)])
      expect(added.accepted).toBe(2)
      // Validation is the server's: a bad field is a 400 naming it, as over HTTP.
      await expect(
        api.runs.addItems(runId, [{ ...itemResult(2), status: 'nope' } as never]),
      ).rejects.toMatchObject({ status: 400, path: expect.stringContaining('status') })
      expect((await api.runs.finalize(runId)).summary.totalItems).toBe(2)
      // It also listens: the same server answers over HTTP.
      const health = await fetch(`${server.url}/api/v1/health`)
      expect(health.status).toBe(200)
    } finally {
      await server.close()
    }
    // closed: nothing more is sent, and the client sees a refused connection
    const late = new EvalgateApi({ url: server.url, dispatch: server.dispatch, retries: 0 })
    await expect(late.health()).rejects.toMatchObject({ isConnectionError: true })
    const store = await openStore(db)
    try {
      const rows = await store.db
        .selectFrom('run_items')
        .select('ordinal')
        .where('run_id', '=', runId)
        .execute()
      expect(rows).toHaveLength(2)
    } finally {
      await store.close()
    }
  })

  test('a server that cannot start rejects with its own error, as in-process', async () => {
    const blocker = join(dataDir, 'not-a-dir')
    writeFileSync(blocker, 'a file where the database directory should be')
    const db = join(blocker, 'x.db')
    const inThread = await startEmbeddedServer(options(db), threadScript).catch((e: Error) => e)
    const inProcess = await startEmbeddedServer(options(db), null).catch((e: Error) => e)
    expect(inThread).toBeInstanceOf(Error)
    expect(inProcess).toBeInstanceOf(Error)
    expect((inThread as Error).message).toBe((inProcess as Error).message)
  })

  test('a thread that dies fails requests as connection errors: the upload keeps its data', async () => {
    const server = await startEmbeddedServer(options(join(dataDir, 'crash.db')), crashingScript)
    const api = new EvalgateApi({ url: server.url, dispatch: server.dispatch, retries: 0 })
    try {
      await api.health()
      const inFlight = await api.health().catch((e: unknown) => e)
      expect(inFlight).toMatchObject({ isConnectionError: true, code: 'ECONNRESET' })
      const after = await api.health().catch((e: unknown) => e)
      expect(after).toMatchObject({ isConnectionError: true, code: 'ECONNREFUSED' })
      // the reporter's rule: the server is unreachable, so every run keeps its items in the outbox
      expect(classifyUploadFailure(after)).toBe('unreachable')
    } finally {
      await server.close()
    }
  })
})
