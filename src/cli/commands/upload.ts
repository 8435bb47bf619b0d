import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Connection } from '../../client/connect.js'
import { describeApiError } from '../../client/errors.js'
import { Outbox, type OutboxHeader, type RejectedLine } from '../../client/outbox.js'
import { classifyUploadFailure, RunUpload, Uplink } from '../../client/run-upload.js'
import type { Run } from '../../schema/api.js'
import { terminalBlock, terminalJson, terminalText } from '../../util/terminal-text.js'
import { CONNECTION_HELP, CONNECTION_OPTIONS, errorLine, openConnection } from './client-args.js'

const HELP = `usage: evalgate upload [options]

Sends the run items spooled in the outbox (when the server could not be reached during a run)
and finalizes their runs. Idempotent: items already on the server are not duplicated. Each outbox
file is deleted once everything in it was accepted.

Nothing is dropped. A line that cannot be read, or an item the server refuses, is quarantined to
<dir>/rejected/<file> with its line number and the reason; the file's other items are still sent.
A file the server refuses as a whole is moved to <dir>/rejected/ with a .reason.txt beside it, and
the next files are still tried; a file the server fails on (HTTP 500) is kept for the next upload.
Only when the server is unusable as a whole (it cannot be reached, rejects the key, is not an
evalgate server, or answers 429/502/503/504) does upload stop, keeping every file.

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
  /** Lines of this file quarantined (unreadable, or refused by the server). */
  rejectedLines: RejectedLine[]
  /** Where they were written. */
  rejectedFile: string | null
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
    if (values.json) process.stdout.write(`${JSON.stringify({ uploaded: [], setAside: [], failed: [] })}\n`)
    else
      process.stdout.write(
        `evalgate upload: the outbox ${relative(process.cwd(), outbox.dir) || '.'} is empty\n`,
      )
    return 0
  }
  let connection: Connection | null = null
  const uploaded: UploadedFile[] = []
  const setAside: { file: string; movedTo: string; error: string }[] = []
  const failed: { file: string; error: string }[] = []
  const rel = (file: string) => relative(process.cwd(), file)
  try {
    connection = await openConnection(values)
    for (const file of files) {
      try {
        const done = await uploadFile(connection, outbox, file, batchSize)
        uploaded.push(done)
        if (!values.json) process.stdout.write(terminalBlock(describeUploaded(done, rel)))
      } catch (error) {
        const line = errorLine('upload', error, connection).trimEnd()
        const kind = classifyUploadFailure(error)
        if (kind === 'refused') {
          const movedTo = outbox.setAside(file, line)
          setAside.push({ file, movedTo, error: line })
          process.stderr.write(
            `${line} (file ${terminalText(rel(file))} set aside to ${terminalText(rel(movedTo))})\n`,
          )
          continue
        }
        failed.push({ file, error: line })
        process.stderr.write(`${line} (file ${terminalText(rel(file))} kept)\n`)
        if (kind === 'unreachable') break
      }
    }
  } catch (error) {
    process.stderr.write(errorLine('upload', error, connection))
    return 1
  } finally {
    await connection?.close()
  }
  if (values.json) process.stdout.write(`${terminalJson({ uploaded, setAside, failed }, 2)}\n`)
  const notSent = files.length - uploaded.length - setAside.length - failed.length
  if (notSent > 0 && !values.json)
    process.stderr.write(`evalgate upload: ${notSent} more file(s) not tried, kept for the next upload\n`)
  const clean = uploaded.length === files.length && uploaded.every((u) => u.rejectedLines.length === 0)
  return clean ? 0 : 1
}

function describeUploaded(u: UploadedFile, rel: (file: string) => string): string {
  let text = `evalgate upload: ${u.items} items of ${terminalText(u.suite)} (group ${terminalText(u.runGroup)}) → run ${u.run.id}: ${u.run.summary.totalItems} items, ${u.run.summary.passedItems} passed, ${u.run.summary.failedItems} failed, status ${u.run.status}\n`
  if (u.rejectedLines.length > 0) {
    text += `evalgate upload: ${u.rejectedLines.length} line(s) of ${terminalText(rel(u.file))} set aside to ${terminalText(rel(u.rejectedFile ?? ''))}:\n`
    for (const r of u.rejectedLines) text += `    line ${r.line}: ${terminalText(r.reason)}\n`
  }
  return text
}

/**
 * Replays one outbox file through the one upload path (RunUpload): create-or-join the run, upload
 * its items in batches, finalize, delete. Unreadable lines and items the server refuses (a 400
 * naming `items.<n>`) are quarantined and the rest still sent; any other failure propagates (the
 * caller classifies it: set the file aside, keep it, or stop).
 */
async function uploadFile(
  connection: Connection,
  outbox: Outbox,
  file: string,
  batchSize: number,
): Promise<UploadedFile> {
  const uplink = Uplink.of(connection.api)
  let header: OutboxHeader | null = null
  let upload: RunUpload | null = null
  const rejected: RejectedLine[] = []
  let refusedByServer = 0
  const { items } = await outbox.read(
    file,
    { batchSize, onBadLine: (bad) => rejected.push(bad) },
    async (h) => {
      header = h
      upload = new RunUpload({
        uplink,
        run: { suite: h.suite, runGroup: h.runGroup, origin: h.origin, ...(h.name ? { name: h.name } : {}) },
        batchSize,
      })
      await upload.open()
    },
    async (batch, lines) => {
      await upload!.send(batch, (at, error) => {
        refusedByServer++
        rejected.push({
          source: file,
          ...lines[at]!,
          reason: `refused by the server: ${describeApiError(error)}`,
        })
      })
    },
  )
  // read() throws before this point when the file has no header
  const h = header as OutboxHeader | null
  const run = await (upload as RunUpload | null)!.finalize()
  rejected.sort((a, b) => a.line - b.line)
  const rejectedFile = rejected.length > 0 ? outbox.quarantine(file, rejected) : null
  outbox.remove(file)
  return {
    file,
    suite: h?.suite.name ?? '',
    runGroup: h?.runGroup ?? '',
    items: items - refusedByServer,
    run,
    rejectedLines: rejected,
    rejectedFile,
  }
}
