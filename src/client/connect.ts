import { resolve } from 'node:path'
import {
  DEFAULT_DB_FILE,
  isMissingLocalDatabase,
  isPostgresUrl,
  missingDatabaseMessage,
} from '../util/default-db.js'
import { EvalgateApi } from './api.js'
import { readServerInfo, SERVER_INFO_FILE } from './discovery.js'
import { embeddedServerOptions, startEmbeddedServer } from './embedded.js'

export type ConnectionMode = 'remote' | 'discovered' | 'embedded'

export interface Connection {
  api: EvalgateApi
  url: string
  mode: ConnectionMode
  /** Where the URL came from, for messages: `EVALGATE_URL`, `the url option`, `.evalgate/server.json`, `embedded`. */
  urlSource: string
  /** Where the API key came from, if one is used. */
  keySource: string | undefined
  /** For embedded mode: the database file. */
  dbPath: string | undefined
  /** Closes the client, and the embedded server if this connection started one. */
  close(): Promise<void>
}

export interface ConnectOptions {
  /** Server URL; default `EVALGATE_URL`. */
  url?: string | undefined
  /** API key; default `EVALGATE_API_KEY`. */
  apiKey?: string | undefined
  /** Project root: where `.evalgate/` lives. Default the cwd. */
  root?: string | undefined
  /** Embedded database: a SQLite file (relative to `root`) or a `postgres://` URL; default `<root>/.evalgate/evalgate.db`. */
  dbPath?: string | undefined
  /**
   * Whether an embedded server may create its SQLite file (default true). False for commands that
   * only read: a missing file is then an error that names it, and no database appears where none
   * was.
   */
  createDatabase?: boolean | undefined
  /** Look for a running `evalgate serve` (`.evalgate/server.json`) before starting an embedded server. Default true. */
  discover?: boolean | undefined
  /** Whether an embedded server claims queued jobs (server-side scoring); default true (StartServerOptions.runJobs). */
  runJobs?: boolean | undefined
  timeoutMs?: number | undefined
  retries?: number | undefined
  env?: NodeJS.ProcessEnv | undefined
}

/**
 * Resolves the server the way the reporter and the CLI do:
 * 1. `url` / `EVALGATE_URL` (with `apiKey` / `EVALGATE_API_KEY`): a remote server;
 * 2. a running `evalgate serve` recorded in `<root>/.evalgate/server.json` that answers its health check;
 * 3. otherwise an embedded server, started in this process on 127.0.0.1 (ephemeral port) over
 *    `<root>/.evalgate/evalgate.db`.
 */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env
  const root = resolve(options.root ?? process.cwd())
  const apiKey = options.apiKey ?? (env.EVALGATE_API_KEY || undefined)
  const keySource = options.apiKey
    ? 'the apiKey option'
    : env.EVALGATE_API_KEY
      ? 'EVALGATE_API_KEY'
      : undefined
  const clientOptions = { apiKey, timeoutMs: options.timeoutMs, retries: options.retries }

  const url = options.url ?? (env.EVALGATE_URL || undefined)
  if (url) {
    const urlSource = options.url ? 'the url option' : 'EVALGATE_URL'
    let api: EvalgateApi
    try {
      api = new EvalgateApi({ url, ...clientOptions })
    } catch (error) {
      throw new Error(`${urlSource} is not a usable server URL: ${(error as Error).message}`)
    }
    return connection(api, 'remote', urlSource, keySource, undefined)
  }

  if (options.discover ?? true) {
    const info = readServerInfo(root)
    if (info) {
      const probe = new EvalgateApi({ url: info.url, apiKey, timeoutMs: 1_000, retries: 0 })
      const healthy = await probe.health().then(
        () => true,
        () => false,
      )
      await probe.close()
      if (healthy) {
        const api = new EvalgateApi({ url: info.url, ...clientOptions })
        return connection(api, 'discovered', SERVER_INFO_FILE, keySource, undefined)
      }
    }
  }

  const dbPath = embeddedLocation(root, options.dbPath)
  if (options.createDatabase === false && isMissingLocalDatabase(dbPath)) {
    throw new Error(missingDatabaseMessage(dbPath, '--db or --url'))
  }
  const server = await startEmbeddedServer(
    embeddedServerOptions(dbPath, { runJobs: options.runJobs !== false }),
  )
  // Requests go to the server in-process (its thread, through Fastify inject: the same routes and
  // validation as over HTTP), sparing the loopback hop and the HTTP client's import; the server
  // still listens on server.url for anything else.
  const api = new EvalgateApi({ url: server.url, ...clientOptions, dispatch: server.dispatch })
  return connection(api, 'embedded', 'embedded', keySource, dbPath, () => server.close())
}

/** The embedded server's database: a PostgreSQL URL as given, a SQLite file resolved against `root`. */
function embeddedLocation(root: string, dbPath: string | undefined): string {
  if (dbPath !== undefined && isPostgresUrl(dbPath)) return dbPath
  return resolve(root, dbPath ?? DEFAULT_DB_FILE)
}

function connection(
  api: EvalgateApi,
  mode: ConnectionMode,
  urlSource: string,
  keySource: string | undefined,
  dbPath: string | undefined,
  closeServer?: () => Promise<void>,
): Connection {
  let closing: Promise<void> | null = null
  return {
    api,
    url: api.url,
    mode,
    urlSource,
    keySource,
    dbPath,
    close() {
      closing ??= (async () => {
        await api.close().catch(() => {})
        await closeServer?.()
      })()
      return closing
    },
  }
}
