import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Connection } from '../../client/connect.js'
import { isEvalgateApiError } from '../../client/errors.js'
import { Outbox, type OutboxHeader } from '../../client/outbox.js'
import type { Run } from '../../schema/api.js'
import { CONNECTION_HELP, CONNECTION_OPTIONS, errorLine, openConnection } from './client-args.js'

const HELP = `usage: evalgate upload [options]

Sends the run items spooled in the outbox (when the server could not be reached during a run)
and finalizes their runs. Idempotent: items already on the server are not duplicated. Each outbox
file is deleted once everything in it was accepted.

  --dir <path>      outbox directory (default .evalgate/outbox)
  --batch <n>       items per request (default 500)
${CONNECTION_HELP}
`

export interface UploadedFile {
  file: string
  suite: string
  runGroup: string
  items: number
  run: Run
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS, dir: { type: 'string' }, batch: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const batchSize = values.batch === undefined ? 500 : Number(values.batch)
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    process.stderr.write(
      `evalgate upload: --batch must be an integer in [1, 5000], got ${JSON.stringify(values.batch)}\n`,
    )
    return 2
  }
  const outbox = new Outbox(resolve(values.dir ?? join('.evalgate', 'outbox')))
  const files = outbox.list()
  if (files.length === 0) {
    if (values.json) process.stdout.write(`${JSON.stringify({ uploaded: [], failed: [] })}\n`)
    else
      process.stdout.write(
        `evalgate upload: the outbox ${relative(process.cwd(), outbox.dir) || '.'} is empty\n`,
      )
    return 0
  }
  let connection: Connection | null = null
  const uploaded: UploadedFile[] = []
  const failed: { file: string; error: string }[] = []
  try {
    connection = await openConnection(values)
    for (const file of files) {
      try {
        uploaded.push(await uploadFile(connection, outbox, file, batchSize))
      } catch (error) {
        const line = errorLine('upload', error, connection).trimEnd()
        failed.push({ file, error: line })
        process.stderr.write(`${line} (file ${relative(process.cwd(), file)} kept)\n`)
        // The server is unreachable or rejects our key: the remaining files would fail the same way.
        if (isServerWide(error)) break
      }
    }
  } catch (error) {
    process.stderr.write(errorLine('upload', error, connection))
    return 1
  } finally {
    await connection?.close()
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ uploaded, failed }, null, 2)}\n`)
  } else {
    for (const u of uploaded) {
      process.stdout.write(
        `evalgate upload: ${u.items} items of ${u.suite} (group ${u.runGroup}) → run ${u.run.id}: ${u.run.summary.totalItems} items, ${u.run.summary.passedItems} passed, ${u.run.summary.failedItems} failed, status ${u.run.status}\n`,
      )
    }
  }
  return failed.length > 0 || uploaded.length < files.length ? 1 : 0
}

/** Replays one outbox file: create-or-join the run, upload its items in batches, finalize, delete. */
async function uploadFile(
  connection: Connection,
  outbox: Outbox,
  file: string,
  batchSize: number,
): Promise<UploadedFile> {
  const { api } = connection
  let header: OutboxHeader | null = null
  let runId = ''
  const { items } = await outbox.read(
    file,
    { batchSize, onWarning: (message) => process.stderr.write(`evalgate upload: ${message}\n`) },
    async (h) => {
      header = h
      const created = await api.runs.createOrJoin({
        suite: h.suite,
        runGroup: h.runGroup,
        origin: h.origin,
        ...(h.name ? { name: h.name } : {}),
      })
      runId = created.run.id
    },
    async (batch) => {
      await api.runs.addItems(runId, batch)
    },
  )
  const run = await api.runs.finalize(runId)
  outbox.remove(file)
  const h = header as OutboxHeader | null
  return { file, suite: h?.suite.name ?? '', runGroup: h?.runGroup ?? '', items, run }
}

function isServerWide(error: unknown): boolean {
  return isEvalgateApiError(error) && error.isServerWide
}
