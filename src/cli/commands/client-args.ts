import { type Connection, connect } from '../../client/connect.js'
import { describeApiError } from '../../client/errors.js'
import { terminalText } from '../../util/terminal-text.js'

/** Options every client command accepts (runs, show, upload, gate). */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

export const CONNECTION_HELP = `  --url <url>       server URL (default EVALGATE_URL; else a running \`evalgate serve\` found in
                    .evalgate/server.json; else the local .evalgate/evalgate.db, opened in-process)
  --api-key <key>   API key (default EVALGATE_API_KEY)
  --db <location>   local database when no server is used: a SQLite file or a postgres:// URL
                    (default .evalgate/evalgate.db)
  --json            machine-readable output`

export async function openConnection(
  values: {
    url?: string
    'api-key'?: string
    db?: string
  },
  /**
   * `runJobs: false` for commands that only read (runs, show): a local server leaves queued jobs
   * alone. `createDatabase: false` for commands that need stored runs (runs, show, gate): a missing
   * local database is an error, not a new and empty one. Both default to true.
   */
  { runJobs = true, createDatabase = true }: { runJobs?: boolean; createDatabase?: boolean } = {},
): Promise<Connection> {
  return connect({
    url: values.url,
    apiKey: values['api-key'],
    dbPath: values.db,
    root: process.cwd(),
    runJobs,
    createDatabase,
  })
}

/** One line for a failed command: names the server and where its URL/key came from (server text escaped). */
export function errorLine(command: string, error: unknown, connection: Connection | null): string {
  const sources = connection
    ? {
        urlSource: connection.urlSource,
        ...(connection.keySource ? { keySource: connection.keySource } : {}),
      }
    : {}
  return `evalgate ${command}: ${terminalText(describeApiError(error, sources))}\n`
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id
}
