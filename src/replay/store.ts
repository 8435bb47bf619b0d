import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { JsonValue } from '../schema/common.js'

/** One recorded HTTP exchange or `recorded()` value, one JSON line of a recordings file. */
export interface RecordingEntry {
  key: string
  trial: number
  /** HTTP: what was asked (redacted), for review; not used for matching. */
  request?: { method: string; url: string; body?: JsonValue; text?: string }
  /** HTTP: the answer that is replayed. Exactly one of body (JSON), text or base64. */
  response?: {
    status: number
    headers: Record<string, string>
    body?: JsonValue
    text?: string
    base64?: string
  }
  /** `recorded(name, fn)`: the name and the value it resolved to. */
  recorded?: string
  value?: JsonValue
}

/** A recordings file that cannot be read: it names the file and line and is never overwritten. */
export class RecordingFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RecordingFileError'
  }
}

/** `evals/rag.eval.ts` → `evals/__recordings__/rag.eval.ts.jsonl`, like Vitest's `__snapshots__`. */
export function recordingsPathFor(evalFile: string): string {
  return join(dirname(evalFile), '__recordings__', `${basename(evalFile)}.jsonl`)
}

/**
 * The recordings of one eval file: loaded once per worker, written back (sorted by key, one entry
 * a line, so diffs stay small) when new entries were added. A file that does not parse makes every
 * call that needs it fail with the file and line, and is left as it is.
 */
export class RecordingFile {
  private entries = new Map<string, RecordingEntry>()
  private problem: RecordingFileError | null = null
  private dirty = false

  constructor(readonly path: string) {
    if (!existsSync(path)) return
    const lines = readFileSync(path, 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim()
      if (line === '') continue
      let entry: RecordingEntry
      try {
        entry = JSON.parse(line) as RecordingEntry
      } catch (error) {
        this.problem = new RecordingFileError(
          `${path}:${i + 1}: not a JSON line (${(error as Error).message}); fix or delete the file, or re-record with vitest -u`,
        )
        return
      }
      if (entry === null || typeof entry !== 'object' || typeof entry.key !== 'string' || entry.key === '') {
        this.problem = new RecordingFileError(
          `${path}:${i + 1}: a recording needs a string "key"; fix or delete the file, or re-record with vitest -u`,
        )
        return
      }
      this.entries.set(entry.key, entry)
    }
  }

  get(key: string): RecordingEntry | undefined {
    if (this.problem) throw this.problem
    return this.entries.get(key)
  }

  set(entry: RecordingEntry): void {
    if (this.problem) throw this.problem
    this.entries.set(entry.key, entry)
    this.dirty = true
  }

  get size(): number {
    return this.entries.size
  }

  /** Writes the file (atomically, via a temporary file) when something was added. */
  flush(): void {
    if (!this.dirty || this.problem) return
    const sorted = [...this.entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    mkdirSync(dirname(this.path), { recursive: true })
    const temporary = `${this.path}.${process.pid}.tmp`
    writeFileSync(temporary, `${sorted.map((entry) => JSON.stringify(entry)).join('\n')}\n`)
    renameSync(temporary, this.path)
    this.dirty = false
  }
}

const FILES = Symbol.for('evalgate.replay.files')
type Holder = { [FILES]?: Map<string, RecordingFile> }

/** The worker's one RecordingFile per path. */
export function recordingFile(path: string): RecordingFile {
  const holder = globalThis as Holder
  holder[FILES] ??= new Map()
  let file = holder[FILES].get(path)
  if (!file) {
    file = new RecordingFile(path)
    holder[FILES].set(path, file)
  }
  return file
}

/** Writes every recordings file with new entries. */
export function flushRecordings(): void {
  for (const file of (globalThis as Holder)[FILES]?.values() ?? []) file.flush()
}

/** Forgets loaded files (tests, and `vitest -u` reruns in watch mode). */
export function resetRecordings(): void {
  ;(globalThis as Holder)[FILES]?.clear()
}
