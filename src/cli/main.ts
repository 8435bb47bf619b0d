#!/usr/bin/env node

import { unsupportedNodeMessage } from '../util/supported-node.js'
import { terminalText } from '../util/terminal-text.js'
/**
 * The `evalgate` command. Each subcommand lives in src/cli/commands/<name>.ts and exports
 * `run(argv: string[]): Promise<number | undefined>` (the exit code; undefined means 0). Modules are
 * imported lazily so `evalgate serve` never loads the reporter and vice versa.
 */
import { VERSION } from '../version.js'

export interface CommandModule {
  run(argv: string[]): Promise<number | undefined> | number | undefined
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: {
    summary: 'start the evaluation server   [--port 4477] [--host 127.0.0.1] [--db path|postgres://…]',
    load: () => import('./commands/serve.js'),
  },
  ui: {
    summary: 'open the dashboard of a local database   [--db path] [--port n] [--run <id>] [--no-open]',
    load: () => import('./commands/ui.js'),
  },
  keys: {
    summary: 'manage API keys               create --project <name> [--db …] | list --project <name>',
    load: () => import('./commands/keys.js'),
  },
  agents: {
    summary:
      'agents for Gradient evaluation runs  add --name … --base-url … --model … | list | remove | cancel <run>',
    load: () => import('./commands/agents.js'),
  },
  runs: {
    summary: 'recent runs per suite, with pass status  [--suite <name>] [--group <id>] [--limit n]',
    load: () => import('./commands/runs.js'),
  },
  show: {
    summary: "a run's summary and failed items          <runId> [--items n]",
    load: () => import('./commands/show.js'),
  },
  upload: {
    summary: 'send the outbox (.evalgate/outbox) to the server, idempotently',
    load: () => import('./commands/upload.js'),
  },
  gate: {
    summary: 'assert the gate of every run in a group   --group <id> (exit 0 pass / 1 fail)',
    load: () => import('./commands/gate.js'),
  },
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  return [
    'usage: evalgate <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'serve, ui and keys open --db, else DATABASE_URL, else .evalgate/evalgate.db; runs, show,',
    'upload, gate and agents use --url, else EVALGATE_URL, else a running `evalgate serve`, else',
    '--db (a SQLite file or a postgres:// URL; default .evalgate/evalgate.db).',
    "Run `evalgate <command> --help` for a command's options.",
  ].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const unsupported = unsupportedNodeMessage()
  if (unsupported) {
    process.stderr.write(`${unsupported}\n`)
    return 1
  }
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`)
    return name === undefined ? 1 : 0
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) {
    process.stderr.write(`evalgate: unknown command "${terminalText(name)}"\n\n${usage()}\n`)
    return 2
  }
  const mod = await command.load()
  return (await mod.run(rest)) ?? 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`evalgate: ${terminalText(err instanceof Error ? err.message : String(err))}\n`)
    process.exitCode = 1
  },
)
