import { parseArgs } from 'node:util'
import type { Connection } from '../../client/connect.js'
import type { Agent } from '../../schema/agents.js'
import { terminalJson, terminalText } from '../../util/terminal-text.js'
import { errorLine, openConnection } from './client-args.js'

const HELP = `usage: evalgate agents <add|list|remove|cancel> [options]

Agents are OpenAI-compatible chat-completions endpoints the server calls in Gradient evaluation
runs (POST /v2/gen-ai/evaluation_runs with agent_uuids). Keys are never shown again.

  add --name <n> --base-url <url> --model <m> [--api-key-env <VAR> | --api-key <key>]
                    [--timeout-ms <n>] [--concurrency <n>] [--system-prompt <text>]
                    register an agent (requests go to <url>/chat/completions).
                    --api-key-env: the server reads the key from its environment variable VAR
                    at call time. --api-key: the key is stored encrypted on the server (AES-256-GCM
                    with EVALGATE_SECRET_KEY, or on SQLite the key file <database>.key); it is
                    visible in your shell history and process list, so prefer --api-key-env
  list              the project's agents (no keys)
  remove <id|name>  remove an agent
  cancel <run-id>   cancel an agent's evaluation run (also POST /v2/gen-ai/evaluation_runs/<id>/cancel)

  --url <url>             server URL (default EVALGATE_URL; else a running \`evalgate serve\` found
                          in .evalgate/server.json; else the local .evalgate/evalgate.db in-process)
  --server-api-key <key>  the evalgate API key (default EVALGATE_API_KEY); adding and removing
                          agents needs an admin-scoped key (or no key, on the server's machine)
  --db <path>             local database when no server is used
  --json                  machine-readable output
`

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`)
  return Number(value)
}

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    process.stderr.write(`evalgate agents: ${(error as Error).message}\n\n${HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  const action = positionals[0]
  if (values.help || action === undefined) {
    process.stdout.write(HELP)
    return values.help ? 0 : 1
  }
  if (!['add', 'list', 'remove', 'cancel'].includes(action)) {
    process.stderr.write(`evalgate agents: unknown action "${terminalText(action)}"\n\n${HELP}`)
    return 2
  }
  let body: Parameters<Connection['api']['agents']['add']>[0] | undefined
  try {
    if (action === 'add') {
      const missing = (['name', 'base-url', 'model'] as const).filter((k) => !values[k])
      if (missing.length > 0) throw new UsageError(`add needs ${missing.map((m) => `--${m}`).join(', ')}`)
      if (values['api-key'] !== undefined && values['api-key-env'] !== undefined)
        throw new UsageError('give --api-key-env or --api-key, not both')
      const timeoutMs = positiveInt('timeout-ms', values['timeout-ms'])
      const concurrency = positiveInt('concurrency', values.concurrency)
      body = {
        name: values.name!,
        baseUrl: values['base-url']!,
        model: values.model!,
        ...(values['api-key'] !== undefined ? { apiKey: values['api-key'] } : {}),
        ...(values['api-key-env'] !== undefined ? { apiKeyEnv: values['api-key-env'] } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(values['system-prompt'] !== undefined ? { systemPrompt: values['system-prompt'] } : {}),
      }
    } else if ((action === 'remove' || action === 'cancel') && !positionals[1]) {
      throw new UsageError(
        action === 'remove' ? 'remove needs the agent id or name' : 'cancel needs the run id',
      )
    }
  } catch (error) {
    process.stderr.write(`evalgate agents: ${terminalText((error as Error).message)}\n`)
    return 2
  }

  let connection: Connection | null = null
  try {
    connection = await openConnection(
      {
        ...(values.url !== undefined ? { url: values.url } : {}),
        ...(values['server-api-key'] !== undefined ? { 'api-key': values['server-api-key'] } : {}),
        ...(values.db !== undefined ? { db: values.db } : {}),
      },
      // only `add` stores something new: the others need a database that holds agents or runs
      { createDatabase: action === 'add' },
    )
    const { agents } = connection.api
    if (action === 'add') {
      const agent = await agents.add(body!)
      process.stdout.write(values.json ? `${terminalJson(agent, 2)}\n` : `added ${formatAgent(agent)}\n`)
    } else if (action === 'list') {
      const list = (await agents.list()).agents
      if (values.json) process.stdout.write(`${terminalJson({ agents: list }, 2)}\n`)
      else process.stdout.write(list.length === 0 ? 'no agents\n' : `${list.map(formatAgent).join('\n')}\n`)
    } else if (action === 'remove') {
      const agent = await agents.remove(positionals[1]!)
      process.stdout.write(values.json ? `${terminalJson(agent, 2)}\n` : `removed ${formatAgent(agent)}\n`)
    } else {
      const result = await agents.cancelRun(positionals[1]!)
      process.stdout.write(
        values.json
          ? `${terminalJson(result, 2)}\n`
          : `run ${terminalText(result.id)} is ${terminalText(result.status)}\n`,
      )
    }
    return 0
  } catch (error) {
    process.stderr.write(errorLine('agents', error, connection))
    return 1
  } finally {
    await connection?.close()
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      'base-url': { type: 'string' },
      model: { type: 'string' },
      'api-key': { type: 'string' },
      'api-key-env': { type: 'string' },
      'timeout-ms': { type: 'string' },
      concurrency: { type: 'string' },
      'system-prompt': { type: 'string' },
      url: { type: 'string' },
      'server-api-key': { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
}

/** One line: id, name, model at URL, where the key comes from (never the key). */
export function formatAgent(agent: Agent): string {
  const key =
    agent.apiKeySource === 'env'
      ? `key from $${agent.apiKeyEnv}`
      : agent.apiKeySource === 'stored'
        ? 'key stored encrypted'
        : 'no key'
  // each field escaped on its own (terminalText would escape the separating tabs)
  return [
    agent.id,
    agent.name,
    `${agent.model} at ${agent.baseUrl}`,
    key,
    `timeout ${agent.timeoutMs} ms, concurrency ${agent.concurrency}`,
  ]
    .map((field) => terminalText(field))
    .join('\t')
}
