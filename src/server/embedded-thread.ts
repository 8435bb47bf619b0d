// Entry of the embedded server's worker thread (src/client/embedded.ts starts it): the server the
// reporter uploads to runs here, on its own event loop, so its start-up (Fastify, the store, the
// migrations check) and the per-request work (validation, inserts, summaries) do not hold up the
// Vitest main thread, which serves the test workers. Requests arrive as messages and go through
// Fastify's `inject`: the same routes, validation and serialisation as over HTTP.

import { enableCompileCache } from 'node:module'
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import type { DispatchRequest, DispatchResponse } from '../util/dispatch.js'
import type { RunningServer, StartServerOptions } from './start.js'

/** Main thread → server thread. */
export type ThreadCommand = { type: 'request'; id: number; request: DispatchRequest } | { type: 'close' }

/** Server thread → main thread. */
export type ThreadEvent =
  | { type: 'ready'; url: string }
  | { type: 'failed'; error: SerializedError }
  | ({ type: 'response'; id: number } & DispatchResponse)
  | { type: 'request-failed'; id: number; error: SerializedError }
  | { type: 'closed' }

export interface SerializedError {
  name: string
  message: string
  stack: string | undefined
  code: string | undefined
}

export function serializeError(error: unknown): SerializedError {
  const e = error instanceof Error ? error : new Error(String(error))
  const code = (e as { code?: unknown }).code
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: typeof code === 'string' ? code : undefined,
  }
}

const port = parentPort
if (!port) throw new Error('evalgate: embedded-thread.js runs as a worker thread only')
const send = (event: ThreadEvent) => port.postMessage(event)

function serve(server: RunningServer, port: MessagePort): void {
  port.on('message', (command: ThreadCommand) => {
    if (command.type === 'request') {
      server.dispatch(command.request).then(
        ({ status, text }) => send({ type: 'response', id: command.id, status, text }),
        (error: unknown) => send({ type: 'request-failed', id: command.id, error: serializeError(error) }),
      )
    } else if (command.type === 'close') {
      server
        .close()
        .catch(() => {})
        .finally(() => {
          send({ type: 'closed' })
          port.close()
        })
    }
  })
}

// V8's code cache for this thread's modules (the store, the schemas, the routes, Fastify when it
// loads: ~0.2 s to compile afresh) on disk, as Node's own CLI tools do; only this thread's loads.
enableCompileCache?.()
// Not a top-level await: tsup also emits a CommonJS copy of every entry.
import('./start.js')
  .then(({ startServer }) => startServer(workerData as StartServerOptions))
  .then(
    (server) => {
      serve(server, port)
      send({ type: 'ready', url: server.url })
    },
    (error: unknown) => {
      send({ type: 'failed', error: serializeError(error) })
      port.close()
    },
  )
