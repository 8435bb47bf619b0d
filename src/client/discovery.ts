import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import * as z from 'zod/mini'
import '../schema/zod-locale.js'

/**
 * How a running `evalgate serve` is found: it writes `.evalgate/server.json` (in the directory it
 * was started from) while it listens, and removes it on shutdown. The reporter and the CLI read it
 * and, if the process is alive and answers `/api/v1/health`, use that server instead of starting
 * an embedded one.
 */
export const SERVER_INFO_FILE = join('.evalgate', 'server.json')

export const ServerInfoSchema = z.object({
  url: z.string().check(z.url()),
  pid: z.number().check(z.int()),
  /** Where the server keeps its data (SQLite path or masked PostgreSQL URL). */
  db: z.string(),
  startedAt: z.string(),
})
export type ServerInfo = z.infer<typeof ServerInfoSchema>

export function serverInfoPath(root: string): string {
  return join(root, SERVER_INFO_FILE)
}

export function writeServerInfo(root: string, info: Omit<ServerInfo, 'startedAt'>): string {
  const file = serverInfoPath(root)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify({ ...info, startedAt: new Date().toISOString() }, null, 2)}\n`)
  return file
}

/** Removes the file only if it still describes this process (another serve may have replaced it). */
export function removeServerInfo(root: string, pid: number = process.pid): void {
  const info = readServerInfo(root)
  if (info && info.pid === pid) rmSync(serverInfoPath(root), { force: true })
}

/** The recorded server, if the file exists, parses and its process is alive. */
export function readServerInfo(root: string): ServerInfo | null {
  const file = serverInfoPath(root)
  if (!existsSync(file)) return null
  let parsed: ServerInfo
  try {
    parsed = ServerInfoSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  } catch {
    return null
  }
  return isAlive(parsed.pid) ? parsed : null
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
