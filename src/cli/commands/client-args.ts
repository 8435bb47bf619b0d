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
  --db <path>       local database when no server is used (default .evalgate/evalgate.db)
  --json            machine-readable output`

export async function openConnection(
  values: {
    url?: string
    'api-key'?: string
    db?: string
  },
  /** `reads`: the command only reads (runs, show), so a local server leaves queued jobs alone. */
  use: 'reads' | 'writes' = 'writes',
): Promise<Connection> {
  return connect({
    url: values.url,
    apiKey: values['api-key'],
    dbPath: values.db,
    root: process.cwd(),
    runJobs: use === 'writes',
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
