import { parseArgs } from 'node:util'
import { createServices } from '../../server/service/index.js'
import { defaultDbLocation, openStore } from '../../store/open.js'
import { isMissingLocalDatabase, missingDatabaseMessage } from '../../util/default-db.js'
import { terminalText } from '../../util/terminal-text.js'

const HELP = `usage: evalgate keys <create|list|revoke> --project <name> [--db path|postgres://…]

Manages keys on the database directly: run it on the server's machine (it is the admin credential).

  create [--admin]     create an API key for the project (the project is created when missing);
                       the key is printed once and cannot be shown again. --admin: the key may
                       also mint and revoke the project's keys over HTTP
  list                 list the project's keys (prefixes, scope, revocation)
  revoke <id|prefix>   revoke a key: every server refuses it (401) from the next request on
`

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string', short: 'p' },
      admin: { type: 'boolean' },
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
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    process.stderr.write(`evalgate keys: unknown action "${action}"\n\n${HELP}`)
    return 2
  }
  const projectName = values.project
  if (!projectName) {
    process.stderr.write('evalgate keys: --project <name> is required\n')
    return 2
  }
  const location = values.db ?? defaultDbLocation()
  if (action !== 'create' && isMissingLocalDatabase(location)) {
    process.stderr.write(`evalgate keys: ${missingDatabaseMessage(location)}\n`)
    return 1
  }
  const store = await openStore(location)
  try {
    const services = createServices(store)
    if (action === 'create') {
      const project = await services.projects.ensure(projectName)
      const key = await services.projects.createKey(project.id, values.admin ? 'admin' : 'project')
      process.stderr.write(
        `created ${key.scope} API key ${key.prefix}… for project "${terminalText(project.name)}" (${project.id})\n`,
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
    if (action === 'revoke') {
      const which = positionals[1]
      if (!which) {
        process.stderr.write(
          'evalgate keys revoke: give the key id or its prefix (see `evalgate keys list`)\n',
        )
        return 2
      }
      const revoked = await services.projects.revokeKey(project.id, which.replace(/…$/, ''))
      process.stdout.write(
        `revoked API key ${revoked.prefix}… (${revoked.id}) of project "${terminalText(project.name)}"\n`,
      )
      return 0
    }
    for (const k of await services.projects.listKeys(project.id)) {
      const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active'
      process.stdout.write(`${k.prefix}…\t${k.id}\t${k.scope}\t${k.createdAt}\t${state}\n`)
    }
    return 0
  } catch (error) {
    process.stderr.write(
      `evalgate keys: ${terminalText(error instanceof Error ? error.message : String(error))}\n`,
    )
    return 1
  } finally {
    await store.close()
  }
}
