import {
  appendFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs'
import { basename, join } from 'node:path'
import { createInterface } from 'node:readline'
import * as z from 'zod/mini'
import '../schema/zod-locale.js'
import { firstIssue } from '../schema/issues.js'
import {
  type ItemResult,
  type ItemResultInput,
  ItemResultSchema,
  type SuiteDefInput,
  SuiteDefSchema,
} from '../schema/meta.js'
import { sha256Hex } from '../util/hash.js'

/**
 * The outbox: run items that could not be uploaded, spooled to `.evalgate/outbox/` as JSONL, one
 * file per (run group, suite definition). Line 1 is a header with everything needed to recreate
 * the run (suite definition, run group, origin); every further line is one item. Lines are appended
 * as items arrive, so a crash loses at most the line being written. `evalgate upload` replays a file
 * (create-or-join the run, upload, finalize) and deletes it once everything in it was accepted;
 * uploads are idempotent on (run, item, trial), so replaying twice never duplicates.
 *
 * Nothing is ever dropped: a line that cannot be read (bad JSON, a bad item, a torn last line) or
 * that the server refuses is quarantined to `rejected/<file name>` as a report line
 * `{ source, line, reason, text }` (the original text verbatim); a whole file the server refuses
 * is moved to `rejected/` beside a `.reason.txt`.
 */
export const OUTBOX_FORMAT_VERSION = 1

export const OutboxHeaderSchema = z.object({
  kind: z.literal('run'),
  formatVersion: z.literal(OUTBOX_FORMAT_VERSION),
  runGroup: z.string().check(z.minLength(1)),
  suite: SuiteDefSchema,
  origin: z.string(),
  name: z.optional(z.string()),
  createdAt: z.string(),
  /** Why the items were spooled (the first error). */
  reason: z.optional(z.string()),
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

/** One line of an outbox file, as read (for quarantine reports). */
export interface OutboxLine {
  /** 1-based line number in the outbox file. */
  line: number
  text: string
}

/** A line set aside: where it came from, why, and its original text. */
export interface RejectedLine extends OutboxLine {
  source: string
  reason: string
}

export const REJECTED_DIR = 'rejected'

export class Outbox {
  readonly dir: string

  constructor(dir: string) {
    this.dir = dir
  }

  /** The file of one (run group, suite definition). */
  fileFor(runGroup: string, suite: SuiteDefInput): string {
    const hash = sha256Hex(JSON.stringify([runGroup, suite])).slice(0, 10)
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

  /** Where quarantined lines and set-aside files go. */
  get rejectedDir(): string {
    return join(this.dir, REJECTED_DIR)
  }

  /**
   * Appends lines to the quarantine file of `source` (`rejected/<name>`), synchronously, and
   * returns its path. Each report line is `{ source, line, reason, text }`.
   */
  quarantine(source: string, lines: readonly RejectedLine[]): string {
    const target = join(this.rejectedDir, basename(source))
    if (lines.length === 0) return target
    mkdirSync(this.rejectedDir, { recursive: true })
    appendFileSync(
      target,
      lines
        .map((l) => `${JSON.stringify({ source: l.source, line: l.line, reason: l.reason, text: l.text })}\n`)
        .join(''),
    )
    return target
  }

  /** Moves a whole file the server refused to `rejected/`, with the reason beside it; returns the new path. */
  setAside(file: string, reason: string): string {
    mkdirSync(this.rejectedDir, { recursive: true })
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const target = join(this.rejectedDir, `${basename(file, '.jsonl')}.${stamp}.jsonl`)
    renameSync(file, target)
    appendFileSync(`${target}.reason.txt`, `${reason}\n`)
    return target
  }

  /**
   * Reads one file: its header, then items in batches of `batchSize` (bounded memory), each with
   * its line numbers and text. A line that is not valid JSON or not a valid item (anywhere, a torn
   * last line included) goes to `onBadLine` naming file, line and field, and reading goes on. A
   * missing or bad header throws an OutboxError (no run can be made from the file).
   */
  async read(
    file: string,
    options: { batchSize: number; onBadLine?: (bad: RejectedLine) => void },
    onHeader: (header: OutboxHeader) => Promise<void>,
    onBatch: (items: ItemResult[], lines: OutboxLine[]) => Promise<void>,
  ): Promise<{ items: number; badLines: number }> {
    const lines = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    })
    let lineNo = 0
    let header: OutboxHeader | null = null
    let batch: ItemResult[] = []
    let batchLines: OutboxLine[] = []
    let count = 0
    let badLines = 0
    // a line that is not JSON: reported once the next line shows whether it was the last (torn write)
    let pendingBad: OutboxLine | null = null
    const bad = (line: number, text: string, reason: string) => {
      badLines++
      options.onBadLine?.({ source: file, line, text, reason })
    }
    for await (const text of lines) {
      lineNo++
      if (text.trim() === '') continue
      if (pendingBad) {
        bad(pendingBad.line, pendingBad.text, 'not valid JSON')
        pendingBad = null
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        if (!header) throw new OutboxError(`${file}:${lineNo}: bad header: not valid JSON`)
        pendingBad = { line: lineNo, text }
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
      if (!parsed.success) {
        bad(lineNo, text, `bad item: ${formatIssue(parsed.error)}`)
        continue
      }
      batch.push(parsed.data.item)
      batchLines.push({ line: lineNo, text })
      count++
      if (batch.length >= options.batchSize) {
        await onBatch(batch, batchLines)
        batch = []
        batchLines = []
      }
    }
    if (pendingBad)
      bad(pendingBad.line, pendingBad.text, 'not valid JSON: a torn last line (the writer stopped mid-line)')
    if (!header) throw new OutboxError(`${file}: empty outbox file (no header line)`)
    if (batch.length > 0) await onBatch(batch, batchLines)
    return { items: count, badLines }
  }
}

function formatIssue(error: z.core.$ZodError): string {
  const { path, message } = firstIssue(error)
  return path ? `field \`${path}\`: ${message}` : message
}

function slug(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'x'
}
