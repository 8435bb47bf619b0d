/**
 * A loopback HTTP proxy in front of a real evalgate server that answers chosen requests itself
 * with an error status (a server bug, a gateway failure), and forwards everything else unchanged.
 */
import { createServer, request as forward, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Returns the status to answer with instead of forwarding, or null to forward. */
export type Fault = (req: { method: string; path: string; body: string }) => number | null

export interface FaultyProxy {
  url: string
  /** Replaces the fault (null: forward everything). */
  setFault(fault: Fault | null): void
  /** Requests answered by the fault so far. */
  readonly faulted: number
  close(): Promise<void>
}

export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const upstream = new URL(target)
  let fault: Fault | null = null
  let faulted = 0
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    const status = fault?.({ method: req.method ?? 'GET', path: req.url ?? '/', body }) ?? null
    if (status !== null) {
      faulted++
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: `http_${status}`, message: `injected ${status}` } }))
      return
    }
    const out = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    out.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    out.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    setFault(next) {
      fault = next
    },
    get faulted() {
      return faulted
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
