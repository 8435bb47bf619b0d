import { parseArgs } from 'node:util'
import { removeServerInfo, writeServerInfo } from '../../client/discovery.js'
import type { JudgeModelSettings } from '../../judges/config.js'
import { REPLAY_MODES, type ReplayMode } from '../../replay/mode.js'
import { DEFAULT_BODY_LIMIT, type RunningServer, startServer } from '../../server/index.js'
import type { ServerScoringOptions } from '../../server/scoring/index.js'
import { defaultDbLocation } from '../../store/open.js'

export const DEFAULT_PORT = 4477

const HELP = `usage: evalgate serve [options]

  --port <n>        port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host <host>     interface to bind (default 127.0.0.1; a non-loopback host requires API keys)
  --db <location>   SQLite file or postgres:// URL (default DATABASE_URL, else .evalgate/evalgate.db)
  --require-auth    require an API key even on loopback
  --public-url <u>  the URL clients reach this server under (proxy, DNS name): used for the URLs
                    it hands out, and accepted as Host/Origin when no key is required
  --body-limit <n>  maximum request body in bytes (default ${DEFAULT_BODY_LIMIT})
  --job-concurrency <n>  background jobs (server-side scoring, agent runs) this process runs at
                    once (default 4; env EVALGATE_JOB_CONCURRENCY)
  --job-lease-ms <n>     how long a job claim lasts without renewal before another server may take
                    it over (default 30000; env EVALGATE_JOB_LEASE_MS)
  --judge-model <m>      model of server-side evaluators (default EVALGATE_JUDGE_MODEL)
  --judge-base-url <u>   its OpenAI-compatible base URL, up to /v1 (default OPENAI_BASE_URL, else
                    https://api.openai.com/v1)
  --judge-api-key-env <NAME>  environment variable holding its API key (default OPENAI_API_KEY)
  --judge-replay <mode>  record/replay of judge calls: auto, record, replay, strict, off (default
                    EVALGATE_REPLAY, else replay on CI and auto elsewhere)
  --judge-recordings <dir>  where judge recordings are kept (default .evalgate/judge-recordings)
  --log             log requests
`

export function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value))
    throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`)
  return Number(value)
}

function publicUrlOption(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`--public-url must be an absolute http(s) URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--public-url must be an http(s) URL, got ${JSON.stringify(value)}`)
  return url.origin
}

/** Server-side evaluators' settings from the flags (fields left out fall back to the environment). */
function scoringOptions(values: {
  'judge-model'?: string | undefined
  'judge-base-url'?: string | undefined
  'judge-api-key-env'?: string | undefined
  'judge-replay'?: string | undefined
  'judge-recordings'?: string | undefined
}): ServerScoringOptions {
  const judge: JudgeModelSettings = {}
  if (values['judge-model']) judge.model = values['judge-model']
  if (values['judge-base-url']) judge.baseURL = values['judge-base-url']
  const keyEnv = values['judge-api-key-env']
  if (keyEnv !== undefined) {
    const key = process.env[keyEnv]
    if (!key) throw new Error(`--judge-api-key-env ${keyEnv}: that environment variable is not set`)
    judge.apiKey = key
  }
  const replay = values['judge-replay']
  if (replay !== undefined && !REPLAY_MODES.includes(replay as ReplayMode))
    throw new Error(`--judge-replay must be one of ${REPLAY_MODES.join(', ')}, got ${JSON.stringify(replay)}`)
  return {
    ...(Object.keys(judge).length > 0 ? { judge } : {}),
    ...(replay !== undefined ? { replayMode: replay as ReplayMode } : {}),
    ...(values['judge-recordings'] ? { recordingsDir: values['judge-recordings'] } : {}),
  }
}

/** `evalgate serve`: runs until SIGINT/SIGTERM, then finishes in-flight requests and closes the DB. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      'require-auth': { type: 'boolean' },
      'public-url': { type: 'string' },
      'body-limit': { type: 'string' },
      'job-concurrency': { type: 'string' },
      'job-lease-ms': { type: 'string' },
      'judge-model': { type: 'string' },
      'judge-base-url': { type: 'string' },
      'judge-api-key-env': { type: 'string' },
      'judge-replay': { type: 'string' },
      'judge-recordings': { type: 'string' },
      log: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const port = intOption('port', values.port ?? process.env.EVALGATE_PORT, DEFAULT_PORT)
  const db = values.db ?? defaultDbLocation()
  const jobConcurrency = intOption(
    'job-concurrency',
    values['job-concurrency'] ?? process.env.EVALGATE_JOB_CONCURRENCY,
    4,
  )
  const jobLeaseMs = intOption(
    'job-lease-ms',
    values['job-lease-ms'] ?? process.env.EVALGATE_JOB_LEASE_MS,
    30_000,
  )
  if (jobConcurrency < 1) throw new Error('--job-concurrency must be at least 1')
  if (jobLeaseMs < 100) throw new Error('--job-lease-ms must be at least 100')
  const server: RunningServer = await startServer({
    db,
    host: values.host ?? '127.0.0.1',
    port,
    requireAuth: values['require-auth'] === true,
    ...(values['public-url'] ? { publicUrl: publicUrlOption(values['public-url']) } : {}),
    logger: values.log === true,
    bodyLimit: intOption('body-limit', values['body-limit'], DEFAULT_BODY_LIMIT),
    scoring: scoringOptions(values),
    jobs: {
      concurrency: jobConcurrency,
      leaseMs: jobLeaseMs,
      log: (message) => process.stderr.write(`evalgate server: ${message}\n`),
    },
  })
  // Lets the reporter and the CLI in this directory find this server (src/client/discovery.ts).
  // Written before the URL is announced, so whoever waits for that line can rely on it.
  const root = process.cwd()
  try {
    writeServerInfo(root, { url: server.url, pid: process.pid, db: server.store.location })
  } catch {
    // read-only directory: the server works, it just cannot be discovered
  }
  process.stdout.write(
    `evalgate server listening on ${server.url} (${server.store.dialect}: ${server.store.location})\n`,
  )
  await untilSignal(server)
  removeServerInfo(root)
  process.stdout.write('evalgate server stopped\n')
  return 0
}

/** Resolves once SIGINT or SIGTERM arrived and the server finished in-flight requests and closed. */
export function untilSignal(server: RunningServer): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return
      stopping = true
      process.stdout.write(`evalgate server: ${signal}, shutting down\n`)
      server.close().then(resolve, (err: unknown) => {
        process.stderr.write(`evalgate server: error while closing: ${String(err)}\n`)
        resolve()
      })
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
