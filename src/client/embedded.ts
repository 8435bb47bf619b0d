// The embedded server the reporter and the CLI start when no server is configured: in a worker
// thread of this process when the built package provides the thread's script (dist/server/
// embedded-thread.js), otherwise (running from the TypeScript sources) in this thread. Either way
// requests go through the server's Fastify `inject`, and it also listens on a loopback port for the
// dashboard, OTLP exporters and anything else that speaks HTTP.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { SerializedError, ThreadCommand, ThreadEvent } from '../server/embedded-thread.js'
import type { StartServerOptions } from '../server/start.js'
import type { DispatchRequest, DispatchResponse } from '../util/dispatch.js'
import type { Dispatch } from './http.js'

export interface EmbeddedServer {
  url: string
  /** `thread`: a worker thread of this process; `in-process`: this thread. */
  runsIn: 'thread' | 'in-process'
  dispatch: Dispatch
  close(): Promise<void>
}

export type EmbeddedServerOptions = Pick<
  StartServerOptions,
  'db' | 'host' | 'port' | 'requireAuth' | 'logger' | 'runJobs'
>

/** The embedded server of a project's database: loopback, an ephemeral port, no keys, no log. */
export function embeddedServerOptions(db: string, { runJobs = true } = {}): EmbeddedServerOptions {
  return { db, host: '127.0.0.1', port: 0, requireAuth: false, logger: false, runJobs }
}

/** The thread's script beside the built package's chunks; absent when running from src/. */
const DEFAULT_THREAD_SCRIPT = new URL('./server/embedded-thread.js', import.meta.url)

const THREAD_YOUNG_GENERATION_MB = 8

export async function startEmbeddedServer(
  options: EmbeddedServerOptions,
  threadScript: URL | null = DEFAULT_THREAD_SCRIPT,
): Promise<EmbeddedServer> {
  // The reporter's requests take the native routes' direct path: Fastify loads only if something
  // else (the dashboard, an SDK, an OTLP exporter) reaches the server.
  const serverOptions: StartServerOptions = { ...options, httpApp: 'first-request' }
  if (threadScript && existsSync(fileURLToPath(threadScript))) return startThread(serverOptions, threadScript)
  const { startServer } = await import('../server/start.js')
  const server = await startServer(serverOptions)
  return {
    url: server.url,
    runsIn: 'in-process',
    dispatch: (request) => server.dispatch(request),
    close: () => server.close(),
  }
}

function startThread(options: StartServerOptions, script: URL): Promise<EmbeddedServer> {
  // A small young generation: the thread's garbage (request bodies, parsed batches) is collected
  // often instead of growing this process's peak memory; scavenges of a few MiB are cheap.
  const worker = new Worker(script, {
    workerData: options,
    resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
  })
  const pending = new Map<number, { resolve: (r: DispatchResponse) => void; reject: (e: Error) => void }>()
  let nextId = 1
  /** Set once the thread can no longer answer: why requests fail from then on. */
  let gone: Error | null = null
  let closing: Promise<void> | null = null
  let closed: (() => void) | null = null

  const failAll = (error: Error) => {
    gone ??= error
    for (const { reject } of pending.values()) reject(connectionError(gone, 'ECONNRESET'))
    pending.clear()
  }

  return new Promise<EmbeddedServer>((resolveStart, rejectStart) => {
    worker.on('message', (event: ThreadEvent) => {
      switch (event.type) {
        case 'ready':
          resolveStart({
            url: event.url,
            runsIn: 'thread',
            dispatch,
            close,
          })
          break
        case 'failed':
          gone = revive(event.error)
          rejectStart(gone)
          break
        case 'response': {
          const request = pending.get(event.id)
          pending.delete(event.id)
          request?.resolve({ status: event.status, text: event.text })
          break
        }
        case 'request-failed': {
          const request = pending.get(event.id)
          pending.delete(event.id)
          request?.reject(revive(event.error))
          break
        }
        case 'closed':
          closed?.()
          break
      }
    })
    worker.on('error', (error) => {
      const crashed = new Error(`the embedded server's thread stopped: ${error.message}`, { cause: error })
      failAll(crashed)
      rejectStart(crashed)
    })
    worker.on('exit', (code) => {
      const stopped = new Error(`the embedded server's thread exited (code ${code})`)
      failAll(stopped)
      rejectStart(stopped)
      closed?.()
    })
  })

  function dispatch(request: DispatchRequest): Promise<DispatchResponse> {
    // Nothing is sent: the client retries or keeps the data, as for a refused connection.
    if (gone || closing)
      return Promise.reject(
        connectionError(gone ?? new Error('the embedded server is closed'), 'ECONNREFUSED'),
      )
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker.postMessage({ type: 'request', id, request } satisfies ThreadCommand)
    })
  }

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      if (gone) {
        resolve()
        return
      }
      closed = resolve
      worker.postMessage({ type: 'close' } satisfies ThreadCommand)
    }).then(() => worker.terminate().then(() => {}))
    return closing
  }
}

/** The thread's error, rebuilt here with its name, message, code and the thread's stack. */
function revive(serialized: SerializedError): Error {
  const error = new Error(serialized.message)
  error.name = serialized.name
  if (serialized.stack) error.stack = serialized.stack
  if (serialized.code) Object.assign(error, { code: serialized.code })
  return error
}

/** A transport-level failure the client classifies like a socket error (`code`). */
function connectionError(cause: Error, code: 'ECONNREFUSED' | 'ECONNRESET'): Error {
  return Object.assign(new Error(cause.message, { cause }), { code })
}
