import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runPagePath } from '../../schema/api.js'
import { isPostgresUrl, type RunningServer, startServer } from '../../server/index.js'
import { defaultDbLocation } from '../../store/open.js'
import { isMissingLocalDatabase, missingDatabaseMessage, printableDbLocation } from '../../util/default-db.js'
import { DEFAULT_PORT, intOption, untilSignal } from './serve.js'

const HELP = `usage: evalgate ui [options]

Serves the dashboard of a local database and opens it at the latest run (or --run).

  --db <location>   SQLite file or postgres:// URL (default DATABASE_URL, else .evalgate/evalgate.db)
  --port <n>        port (default ${DEFAULT_PORT}, or any free port when it is taken; 0 = any free port)
  --run <id>        open this run instead of the latest
  --no-open         only print the URL (the browser is never opened in CI or without a desktop)
`

/** A browser can be opened: an interactive terminal, not CI, and a desktop session. */
export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env, isTTY = process.stdout.isTTY): boolean {
  if (!isTTY) return false
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false
  if (process.platform === 'darwin' || process.platform === 'win32') return true
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY)
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]]
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true })
    child.on('error', () => {
      /* no opener installed: the URL is printed anyway */
    })
    child.unref()
  } catch {
    // same: the printed URL is the fallback
  }
}

async function listen(db: string, port: number, explicitPort: boolean): Promise<RunningServer> {
  try {
    return await startServer({ db, port })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && !explicitPort)
      return startServer({ db, port: 0 })
    throw err
  }
}

/** `evalgate ui`: serve the dashboard of a local database until SIGINT/SIGTERM. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      port: { type: 'string' },
      run: { type: 'string' },
      'no-open': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const portValue = values.port ?? process.env.EVALGATE_PORT
  const port = intOption('port', portValue, DEFAULT_PORT)
  const db = values.db ?? defaultDbLocation()
  if (isMissingLocalDatabase(db)) {
    process.stderr.write(`evalgate ui: ${missingDatabaseMessage(db)}\n`)
    return 1
  }
  let server: RunningServer
  try {
    server = await listen(db, port, portValue !== undefined)
  } catch (err) {
    const where = isPostgresUrl(db) ? printableDbLocation(db) : resolve(db)
    process.stderr.write(`evalgate ui: cannot open ${where}: ${(err as Error).message}\n`)
    return 1
  }
  let path = '/'
  try {
    const project = await server.services.projects.ensureDefault()
    if (values.run !== undefined) {
      const found = await server.services.runs.get(project.id, values.run).catch(() => null)
      if (!found) {
        process.stderr.write(
          `evalgate ui: no run ${JSON.stringify(values.run)} in ${server.store.location}\n`,
        )
        await server.close()
        return 1
      }
      path = runPagePath(found.id)
    } else {
      const [latest] = await server.services.runs.list(project.id, { limit: 1 })
      if (latest) path = runPagePath(latest.id)
    }
  } catch (err) {
    await server.close()
    throw err
  }
  const url = `${server.url}${path}`
  process.stdout.write(`evalgate dashboard: ${url}\n  (${server.store.location}; Ctrl-C to stop)\n`)
  if (!values['no-open'] && canOpenBrowser()) openBrowser(url)
  await untilSignal(server)
  return 0
}
