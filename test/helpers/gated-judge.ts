/**
 * A proxy in front of an OpenAI-compatible stand-in that holds every call until `release()`
 * (then passes them through), so tests can catch server-side scoring in the middle of a job.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GatedJudge {
  /** Base URL up to `/v1`, like the stand-in's. */
  baseUrl: string
  /** Calls received so far (held or passed). */
  received(): number
  release(): void
  /** Holds calls again (until the next release). */
  hold(): void
  close(): Promise<void>
}

export async function startGatedJudge(target: string): Promise<GatedJudge> {
  let open!: () => void
  let gate!: Promise<void>
  const hold = () => {
    gate = new Promise<void>((r) => {
      open = r
    })
  }
  hold()
  let received = 0
  const server: Server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    received++
    await gate
    if (req.socket.destroyed) return // its caller went away (a killed server) while held
    try {
      const upstream = await fetch(`${target}${req.url!.replace(/^\/v1/, '')}`, {
        method: req.method!,
        headers: {
          'content-type': 'application/json',
          authorization: String(req.headers.authorization ?? ''),
        },
        body,
      })
      res.writeHead(upstream.status, { 'content-type': 'application/json' })
      res.end(await upstream.text())
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: String(error) } }))
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received: () => received,
    release: () => open(),
    hold,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
