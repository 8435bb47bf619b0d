import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { threadId } from 'node:worker_threads'
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

/** How long a writer waits for another's lock, and the age at which a lock counts as abandoned. */
export interface RecordingLockTimes {
  waitMs: number
  staleMs: number
}

// A write holds the lock for one read and one write of the file (milliseconds); a lock this old
// was left by a process that died holding it.
const LOCK_TIMES: RecordingLockTimes = { waitMs: 15_000, staleMs: 10_000 }

/**
 * The recordings of one eval file: loaded once per worker, written back (sorted by key, one entry
 * a line, so diffs stay small) when new entries were added. A file that does not parse makes every
 * call that needs it fail with the file and line, and is left as it is.
 *
 * Several processes may record into one file at once (the same eval file in two Vitest projects,
 * two runs on one checkout, servers sharing a recordings directory). A write therefore takes the
 * file's lock (`<file>.lock`), merges what is on disk by then with the entries this process added
 * (its own win for the same key) and replaces the file, so no writer drops another's recordings.
 */
export class RecordingFile {
  private entries: Map<string, RecordingEntry>
  /** Entries set since the last write: what this process adds to the file. */
  private readonly added = new Map<string, RecordingEntry>()
  private problem: RecordingFileError | null = null
  /** The file as last read or written here: while it is unchanged, a write need not re-read it. */
  private seen: string | null

  constructor(
    readonly path: string,
    private readonly lockTimes: RecordingLockTimes = LOCK_TIMES,
  ) {
    this.seen = fileVersion(path)
    const read = readEntries(path)
    if (read instanceof RecordingFileError) {
      this.problem = read
      this.entries = new Map()
    } else this.entries = read
  }

  get(key: string): RecordingEntry | undefined {
    if (this.problem) throw this.problem
    return this.entries.get(key)
  }

  set(entry: RecordingEntry): void {
    if (this.problem) throw this.problem
    this.entries.set(entry.key, entry)
    this.added.set(entry.key, entry)
  }

  get size(): number {
    return this.entries.size
  }

  /**
   * Writes the file (atomically, via a temporary file, under the file's lock) when something was
   * added, merged with whatever another process wrote since this one read it. Blocks the thread
   * while another writer holds the lock: for synchronous callers (a suite's end in a worker).
   */
  flush(): void {
    if (!this.prepare()) return
    this.write(lockSync(`${this.path}.lock`, this.lockTimes))
  }

  /** `flush` that waits for another writer's lock without blocking the event loop (the server). */
  async flushAsync(): Promise<void> {
    if (!this.prepare()) return
    this.write(await lockAsync(`${this.path}.lock`, this.lockTimes))
  }

  /** Whether there is something to write; makes the file's directory then. */
  private prepare(): boolean {
    if (this.added.size === 0 || this.problem) return false
    mkdirSync(dirname(this.path), { recursive: true })
    return true
  }

  /** The write itself, under the lock `unlock` releases. */
  private write(unlock: () => void): void {
    try {
      if (fileVersion(this.path) !== this.seen) {
        const current = readEntries(this.path)
        if (current instanceof RecordingFileError) throw current
        for (const entry of this.added.values()) current.set(entry.key, entry)
        this.entries = current
      }
      const sorted = [...this.entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      // Unique per thread: Vitest's threads pool runs several workers in one process.
      const temporary = `${this.path}.${process.pid}-${threadId}.tmp`
      writeFileSync(temporary, `${sorted.map((entry) => JSON.stringify(entry)).join('\n')}\n`)
      renameSync(temporary, this.path)
      this.seen = fileVersion(this.path)
      this.added.clear()
    } finally {
      unlock()
    }
  }
}

/** The entries of a recordings file (none if it does not exist), or why it cannot be read. */
function readEntries(path: string): Map<string, RecordingEntry> | RecordingFileError {
  const entries = new Map<string, RecordingEntry>()
  if (!existsSync(path)) return entries
  const lines = readFileSync(path, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    let entry: RecordingEntry
    try {
      entry = JSON.parse(line) as RecordingEntry
    } catch (error) {
      return new RecordingFileError(
        `${path}:${i + 1}: not a JSON line (${(error as Error).message}); fix or delete the file, or re-record with vitest -u`,
      )
    }
    if (entry === null || typeof entry !== 'object' || typeof entry.key !== 'string' || entry.key === '') {
      return new RecordingFileError(
        `${path}:${i + 1}: a recording needs a string "key"; fix or delete the file, or re-record with vitest -u`,
      )
    }
    entries.set(entry.key, entry)
  }
  return entries
}

/** Identifies one version of a file (a write replaces it: new inode), or null when there is none. */
function fileVersion(path: string): string | null {
  let stats: Stats
  try {
    stats = statSync(path)
  } catch {
    return null
  }
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`
}

/** Takes `path` as an exclusive lock file, blocking while another holds it; returns its release. */
function lockSync(path: string, times: RecordingLockTimes): () => void {
  const started = Date.now()
  for (;;) {
    const taken = tryLock(path, times, started)
    if (typeof taken === 'function') return taken
    sleepSync(taken)
  }
}

/** `lockSync`, waiting on timers instead of blocking. */
async function lockAsync(path: string, times: RecordingLockTimes): Promise<() => void> {
  const started = Date.now()
  for (;;) {
    const taken = tryLock(path, times, started)
    if (typeof taken === 'function') return taken
    await new Promise((resolve) => setTimeout(resolve, taken))
  }
}

/**
 * One attempt at the lock file: its release, or the ms to wait before the next attempt. A lock
 * older than `staleMs` is taken over; past `waitMs` since `started` the wait fails, naming it.
 */
function tryLock(
  path: string,
  { waitMs, staleMs }: RecordingLockTimes,
  started: number,
): (() => void) | number {
  try {
    const fd = openSync(path, 'wx')
    writeSync(fd, `${process.pid}\n`)
    closeSync(fd)
    return () => {
      try {
        unlinkSync(path)
      } catch {
        // already gone: nothing to release
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const age = lockAge(path)
  if (age !== null && age > staleMs) {
    try {
      unlinkSync(path)
    } catch {
      // another waiter removed it first
    }
    return 0
  }
  if (Date.now() - started > waitMs) {
    throw new RecordingFileError(
      `${path}: another process has held this lock for over ${Math.round(waitMs / 1000)} s while writing recordings; if none is running, delete the lock file`,
    )
  }
  return 5 + Math.random() * 10
}

function lockAge(path: string): number | null {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return null
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4))

/** Blocks this thread for `ms`: a write happens in synchronous hooks (a suite's end). */
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms)
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

/** Writes every recordings file with new entries; a file that fails does not stop the others. */
export function flushRecordings(): void {
  let failure: unknown = null
  for (const file of loadedFiles()) {
    try {
      file.flush()
    } catch (error) {
      failure ??= error
    }
  }
  if (failure !== null) throw failure
}

/** `flushRecordings` without blocking the event loop on another writer's lock (the server). */
export async function flushRecordingsAsync(): Promise<void> {
  let failure: unknown = null
  for (const file of loadedFiles()) {
    try {
      await file.flushAsync()
    } catch (error) {
      failure ??= error
    }
  }
  if (failure !== null) throw failure
}

function loadedFiles(): RecordingFile[] {
  return [...((globalThis as Holder)[FILES]?.values() ?? [])]
}

/** Forgets loaded files (tests, and `vitest -u` reruns in watch mode). */
export function resetRecordings(): void {
  ;(globalThis as Holder)[FILES]?.clear()
}
