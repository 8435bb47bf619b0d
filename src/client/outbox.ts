import { createHash } from 'node:crypto'
import { appendFileSync, createReadStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import {
  type ItemResult,
  type ItemResultInput,
  ItemResultSchema,
  type SuiteDefInput,
  SuiteDefSchema,
} from '../schema/meta.js'

/**
 * The outbox: run items that could not be uploaded, spooled to `.evalgate/outbox/` as JSONL, one
 * file per (run group, suite definition). Line 1 is a header with everything needed to recreate
 * the run (suite definition, run group, origin); every further line is one item. Lines are appended
 * as items arrive, so a crash loses at most the line being written. `evalgate upload` replays a file
 * (create-or-join the run, upload, finalize) and deletes it once everything in it was accepted;
 * uploads are idempotent on (run, item, trial), so replaying twice never duplicates.
 */
export const OUTBOX_FORMAT_VERSION = 1

export const OutboxHeaderSchema = z.object({
  kind: z.literal('run'),
  formatVersion: z.literal(OUTBOX_FORMAT_VERSION),
  runGroup: z.string().min(1),
  suite: SuiteDefSchema,
  origin: z.string(),
  name: z.string().optional(),
  createdAt: z.string(),
  /** Why the items were spooled (the first error). */
  reason: z.string().optional(),
})
export type OutboxHeader = z.infer<typeof OutboxHeaderSchema>
export type OutboxHeaderInput = Omit<
  z.input<typeof OutboxHeaderSchema>,
  'kind' | 'formatVersion' | 'createdAt'
>

const OutboxItemLineSchema = z.object({ kind: z.literal('item'), item: ItemResultSchema })

export class OutboxError extends Error {
  override readonly name = 'OutboxError'
}

export class Outbox {
  readonly dir: string

  constructor(dir: string) {
    this.dir = dir
  }

  /** The file of one (run group, suite definition). */
  fileFor(runGroup: string, suite: SuiteDefInput): string {
    const hash = createHash('sha256')
      .update(JSON.stringify([runGroup, suite]))
      .digest('hex')
      .slice(0, 10)
    return join(this.dir, `${slug(runGroup)}__${slug(suite.name)}__${hash}.jsonl`)
  }

  /**
   * Appends items (possibly none: a header alone still records a run to finalize) synchronously,
   * so that they are on disk before this returns. Returns the file path.
   */
  append(header: OutboxHeaderInput, items: readonly ItemResultInput[]): string {
    const file = this.fileFor(header.runGroup, header.suite)
    let text = ''
    if (!existsSync(file)) {
      mkdirSync(this.dir, { recursive: true })
      const line: z.input<typeof OutboxHeaderSchema> = {
        kind: 'run',
        formatVersion: OUTBOX_FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        ...header,
      }
      text += `${JSON.stringify(line)}\n`
    }
    for (const item of items) text += `${JSON.stringify({ kind: 'item', item })}\n`
    if (text) appendFileSync(file, text)
    return file
  }

  /** Outbox files, oldest name first. */
  list(): string[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.jsonl'))
      .sort()
      .map((name) => join(this.dir, name))
  }

  remove(file: string): void {
    rmSync(file, { force: true })
  }

  /**
   * Reads one file: its header, then items in batches of `batchSize` (bounded memory). A malformed
   * line throws an OutboxError naming file, line and field; a torn last line (a crash while
   * appending) is skipped and reported through `onWarning`.
   */
  async read(
    file: string,
    options: { batchSize: number; onWarning?: (message: string) => void },
    onHeader: (header: OutboxHeader) => Promise<void>,
    onBatch: (items: ItemResult[]) => Promise<void>,
  ): Promise<{ items: number }> {
    const lines = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    })
    let lineNo = 0
    let header: OutboxHeader | null = null
    let batch: ItemResult[] = []
    let count = 0
    let pendingBad: { lineNo: number; message: string } | null = null
    for await (const line of lines) {
      lineNo++
      if (line.trim() === '') continue
      if (pendingBad) throw new OutboxError(`${file}:${pendingBad.lineNo}: ${pendingBad.message}`)
      let json: unknown
      try {
        json = JSON.parse(line)
      } catch {
        // Only acceptable as the very last line (torn write); checked when the next line arrives.
        pendingBad = { lineNo, message: 'not valid JSON' }
        continue
      }
      if (!header) {
        const parsed = OutboxHeaderSchema.safeParse(json)
        if (!parsed.success)
          throw new OutboxError(`${file}:${lineNo}: bad header: ${formatIssue(parsed.error)}`)
        header = parsed.data
        await onHeader(header)
        continue
      }
      const parsed = OutboxItemLineSchema.safeParse(json)
      if (!parsed.success) throw new OutboxError(`${file}:${lineNo}: bad item: ${formatIssue(parsed.error)}`)
      batch.push(parsed.data.item)
      count++
      if (batch.length >= options.batchSize) {
        await onBatch(batch)
        batch = []
      }
    }
    if (pendingBad)
      options.onWarning?.(`${file}:${pendingBad.lineNo}: skipped a torn last line (not valid JSON)`)
    if (!header) throw new OutboxError(`${file}: empty outbox file (no header line)`)
    if (batch.length > 0) await onBatch(batch)
    return { items: count }
  }
}

function formatIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'invalid'
  const path = issue.path.join('.')
  return path ? `field \`${path}\`: ${issue.message}` : issue.message
}

function slug(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'x'
}
