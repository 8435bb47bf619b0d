/**
 * A throwaway PostgreSQL for tests: initdb into a temp dir (as the `postgres` system user when
 * running as root), trust auth, unix socket inside the temp dir, a free loopback port. Removed by
 * `stop()`. Binaries missing: under CI the caller fails; locally it is skipped with a loud warning.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'

export interface TestPostgres {
  /** URL of the `postgres` database of the cluster. */
  url: string
  port: number
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>
  stop(): Promise<void>
}

/**
 * The directory holding `initdb` and `pg_ctl`: `EVALGATE_PG_BIN` when set, else `pg_config --bindir`
 * (Debian's postgresql-common and most distributions ship it with the server), else the directory
 * of the `initdb` found on PATH (Homebrew, Nix, /usr/bin on Fedora).
 */
export function findPostgresBin(): string | undefined {
  const hasServer = (dir: string | undefined): dir is string =>
    dir !== undefined && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))
  const fromEnv = process.env.EVALGATE_PG_BIN
  if (fromEnv) return hasServer(fromEnv) ? fromEnv : undefined
  const fromPgConfig = commandOutput('pg_config', ['--bindir'])
  if (hasServer(fromPgConfig)) return fromPgConfig
  const initdb = commandOutput('sh', ['-c', 'command -v initdb'])
  const fromPath = initdb ? dirname(realpathSync(initdb)) : undefined
  return hasServer(fromPath) ? fromPath : undefined
}

function commandOutput(command: string, args: string[]): string | undefined {
  try {
    return (
      execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() ||
      undefined
    )
  } catch {
    return undefined
  }
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. Throws under CI. */
export function postgresUnavailable(): string | undefined {
  if (findPostgresBin()) return undefined
  const reason =
    'PostgreSQL server binaries (initdb, pg_ctl) not found through EVALGATE_PG_BIN, `pg_config --bindir` or PATH (Debian: apt-get install -y postgresql)'
  if (process.env.CI) throw new Error(`${reason}: PostgreSQL tests must run in CI`)
  console.warn(`\n!!!!!!!!!!\n!! SKIPPING PostgreSQL tests: ${reason}\n!!!!!!!!!!\n`)
  return reason
}

/** A free loopback TCP port (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

function asPostgres(cmd: string, args: string[]): void {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin()
  if (!bin) throw new Error('PostgreSQL server binaries not found')
  const dir = mkdtempSync(join(tmpdir(), 'evalgate-pg-'))
  const data = join(dir, 'data')
  const log = join(dir, 'server.log')
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  try {
    asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  } catch (err) {
    cleanup()
    throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`)
  }
  let port = 0
  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`
    try {
      asPostgres(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '60', '-l', log, '-o', opts])
      break
    } catch (err) {
      if (attempt < 2) continue
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8') : ''
      cleanup()
      throw new Error(`pg_ctl start failed: ${(err as { stderr?: Buffer }).stderr?.toString()}\n${serverLog}`)
    }
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  let stopped = false
  return {
    url,
    port,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`create database "${name.replace(/"/g, '')}"`)
      } finally {
        await client.end()
      }
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`
    },
    async stop() {
      if (stopped) return
      stopped = true
      try {
        asPostgres(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'])
      } finally {
        cleanup()
      }
    },
  }
}
