import { parseArgs } from 'node:util'
import { createServices } from '../../server/service/index.js'
import { openStore } from '../../store/open.js'
import { terminalText } from '../../util/terminal-text.js'

const HELP = `usage: evalgate keys <create|list> --project <name> [--db path|postgres://…]

  create   create an API key for the project (the project is created when missing);
           the key is printed once and cannot be shown again
  list     list the project's keys (prefixes only)
`

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string', short: 'p' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  const action = positionals[0]
  if (values.help || action === undefined) {
    process.stdout.write(HELP)
    return values.help ? 0 : 1
  }
  if (action !== 'create' && action !== 'list') {
    process.stderr.write(`evalgate keys: unknown action "${action}"\n\n${HELP}`)
    return 2
  }
  const projectName = values.project
  if (!projectName) {
    process.stderr.write('evalgate keys: --project <name> is required\n')
    return 2
  }
  const store = await openStore(values.db)
  try {
    const services = createServices(store)
    if (action === 'create') {
      const project = await services.projects.ensure(projectName)
      const key = await services.projects.createKey(project.id)
      process.stderr.write(
        `created API key ${key.prefix}… for project "${terminalText(project.name)}" (${project.id})\n`,
      )
      process.stderr.write('store it now: it is not shown again\n')
      process.stdout.write(`${key.key}\n`)
      return 0
    }
    const project = await services.projects.findByName(projectName)
    if (!project) {
      process.stderr.write(`evalgate keys: no project named "${terminalText(projectName)}"\n`)
      return 1
    }
    for (const k of await services.projects.listKeys(project.id)) {
      process.stdout.write(`${k.prefix}…\t${k.id}\t${k.createdAt}\n`)
    }
    return 0
  } finally {
    await store.close()
  }
}
