import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { badRequest, GradientHttpError } from './errors.js'

/**
 * The server's own stand-in for Gradient's presigned-upload bucket. `presign` hands out one
 * upload slot per file (object key + secret token, valid `ttlMs`); the client PUTs the file to the
 * slot's URL, which is streamed to a temporary file (never held in memory); creating the dataset
 * then `take`s the file. Files live only until the dataset is created from them (or the slot
 * expires): the dataset itself is what gets stored.
 *
 * Quotas are per project first, so one project cannot starve another: pending slots (429) and
 * pending bytes (413), each naming its limit; server-wide totals bound the disk used.
 */
export interface UploadLimits {
  /** Largest accepted file, in bytes. */
  maxFileBytes: number
  /** Bytes held across all pending uploads of all projects. */
  maxPendingBytes: number
  /** Pending slots at most, all projects together. */
  maxSlots: number
  /** Pending slots of one project at most. */
  maxSlotsPerProject: number
  /** Bytes held across the pending uploads of one project. */
  maxPendingBytesPerProject: number
  ttlMs: number
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 50 * 1024 * 1024,
  maxPendingBytes: 1024 * 1024 * 1024,
  maxSlots: 10_000,
  maxSlotsPerProject: 100,
  maxPendingBytesPerProject: 128 * 1024 * 1024,
  ttlMs: 15 * 60 * 1000,
}

interface Slot {
  projectId: string
  objectKey: string
  token: string
  fileName: string
  expiresAt: number
  /** The uploaded file on disk, and its size (bytes counted while it streams in). */
  file: string | null
  bytes: number
  uploading: boolean
}

export interface PresignedSlot {
  objectKey: string
  token: string
  fileName: string
  expiresAt: Date
}

export class UploadStore {
  readonly #slots = new Map<string, Slot>()
  #dir: string | null = null
  readonly #limits: UploadLimits

  constructor(
    limits: Partial<UploadLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#limits = { ...DEFAULT_UPLOAD_LIMITS, ...limits }
  }

  get limits(): UploadLimits {
    return this.#limits
  }

  /** The directory pending files are streamed to (created on first upload). */
  get dir(): string {
    this.#dir ??= mkdtempSync(join(tmpdir(), 'evalgate-uploads-'))
    return this.#dir
  }

  presign(projectId: string, files: { fileName: string; fileSize?: string }[]): PresignedSlot[] {
    this.#sweep()
    const mine = this.#projectSlots(projectId)
    if (mine + files.length > this.#limits.maxSlotsPerProject) {
      throw new GradientHttpError(
        429,
        `this project has ${mine} pending uploads; ${files.length} more would exceed maxSlotsPerProject (${this.#limits.maxSlotsPerProject}): create datasets from them or wait until they expire`,
      )
    }
    if (this.#slots.size + files.length > this.#limits.maxSlots) {
      throw new GradientHttpError(
        429,
        `the server has ${this.#slots.size} pending uploads (maxSlots ${this.#limits.maxSlots}); retry later`,
      )
    }
    files.forEach((f, i) => {
      if (f.fileSize !== undefined && Number(f.fileSize) > this.#limits.maxFileBytes) {
        throw new GradientHttpError(
          413,
          `${f.fileName}: file_size ${f.fileSize} exceeds maxFileBytes (${this.#limits.maxFileBytes} bytes)`,
          `files.${i}.file_size`,
        )
      }
    })
    const expiresAt = this.now() + this.#limits.ttlMs
    return files.map((f) => {
      const objectKey = `${randomUUID()}-${safeName(f.fileName)}`
      const slot: Slot = {
        projectId,
        objectKey,
        token: randomBytes(24).toString('base64url'),
        fileName: f.fileName,
        expiresAt,
        file: null,
        bytes: 0,
        uploading: false,
      }
      this.#slots.set(objectKey, slot)
      return { objectKey, token: slot.token, fileName: f.fileName, expiresAt: new Date(expiresAt) }
    })
  }

  /**
   * Streams the body of a PUT to a presigned URL to disk; returns its size. The token is the URL's
   * proof of authorization. Limits are checked as bytes arrive, so an oversize body is cut off.
   */
  async put(objectKey: string, token: string, body: Readable | Buffer): Promise<number> {
    this.#sweep()
    const slot = this.#slots.get(objectKey)
    if (!slot || !sameSecret(slot.token, token)) {
      throw new GradientHttpError(403, 'upload URL is invalid or has expired; request a new presigned URL')
    }
    if (slot.uploading) throw new GradientHttpError(400, 'an upload to this URL is already in progress')
    const previousFile = slot.file
    const previousBytes = slot.bytes
    // a re-upload replaces the previous file: its bytes stop counting
    slot.bytes = 0
    slot.uploading = true
    const file = join(this.dir, `${randomUUID()}.upload`)
    try {
      await this.#receive(slot, Buffer.isBuffer(body) ? Readable.from([body]) : body, file)
    } catch (error) {
      rmSync(file, { force: true })
      slot.file = previousFile
      slot.bytes = previousBytes
      throw error instanceof GradientHttpError
        ? error
        : badRequest(`upload failed: ${(error as Error).message}`)
    } finally {
      slot.uploading = false
    }
    if (previousFile) rmSync(previousFile, { force: true })
    // the slot may have expired (and been swept) while the body streamed in
    if (!this.#slots.has(objectKey)) {
      rmSync(file, { force: true })
      throw new GradientHttpError(403, 'upload URL expired during the upload; request a new presigned URL')
    }
    slot.file = file
    return slot.bytes
  }

  /**
   * Writes `body` to `file`, counting bytes against the limits as they arrive. Past a limit the
   * rest of the body is read and discarded (not written), so that the client, still sending,
   * receives the 413 instead of a reset connection.
   */
  #receive(slot: Slot, body: Readable, file: string): Promise<void> {
    const limits = this.#limits
    return new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file)
      let failure: Error | null = null
      let received = 0
      const fail = (error: Error) => {
        failure ??= error
        slot.bytes = 0
        out.destroy()
      }
      out.on('error', fail)
      body.on('data', (chunk: Buffer) => {
        if (failure) return
        received += chunk.length
        slot.bytes = received
        const over = this.#overLimit(slot, received, limits)
        if (over) return fail(over)
        if (!out.write(chunk)) {
          body.pause()
          out.once('drain', () => body.resume())
        }
      })
      body.on('error', (error) => {
        fail(error)
        reject(failure)
      })
      body.on('end', () => {
        if (failure) return reject(failure)
        out.end(() => (failure ? reject(failure) : resolve()))
      })
    })
  }

  #overLimit(slot: Slot, received: number, limits: UploadLimits): GradientHttpError | null {
    if (received > limits.maxFileBytes)
      return new GradientHttpError(413, `file exceeds maxFileBytes (${limits.maxFileBytes} bytes)`)
    const projectBytes = this.#projectBytes(slot.projectId)
    if (projectBytes > limits.maxPendingBytesPerProject) {
      return new GradientHttpError(
        413,
        `this project's pending uploads would hold ${projectBytes} bytes, over maxPendingBytesPerProject (${limits.maxPendingBytesPerProject}): create datasets from them first`,
      )
    }
    const total = this.#totalBytes()
    if (total > limits.maxPendingBytes) {
      return new GradientHttpError(
        413,
        `pending uploads would hold ${total} bytes, over the server's maxPendingBytes (${limits.maxPendingBytes}); retry later`,
      )
    }
    return null
  }

  /** Removes and returns the uploaded file of `objectKey`, checking it belongs to `projectId`. */
  take(projectId: string, objectKey: string, path: string): { data: Buffer; fileName: string } {
    this.#sweep()
    const slot = this.#slots.get(objectKey)
    if (!slot || slot.projectId !== projectId) {
      throw badRequest(
        `unknown or expired stored_object_key ${JSON.stringify(objectKey)}: request a presigned URL and upload the file first`,
        path,
      )
    }
    if (!slot.file) {
      throw badRequest(
        `nothing was uploaded for stored_object_key ${JSON.stringify(objectKey)}: PUT the file to its presigned_url first`,
        path,
      )
    }
    const data = readFileSync(slot.file)
    this.#drop(slot)
    return { data, fileName: slot.fileName }
  }

  /** Puts a taken file back (e.g. when storing the dataset failed) so the client can retry. */
  restore(projectId: string, objectKey: string, fileName: string, data: Buffer): void {
    const file = join(this.dir, `${randomUUID()}.upload`)
    writeFileSync(file, data)
    this.#slots.set(objectKey, {
      projectId,
      objectKey,
      token: randomBytes(24).toString('base64url'),
      fileName,
      expiresAt: this.now() + this.#limits.ttlMs,
      file,
      bytes: data.length,
      uploading: false,
    })
  }

  /** Deletes every pending file (server shutdown). */
  close(): void {
    this.#slots.clear()
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true })
    this.#dir = null
  }

  #drop(slot: Slot): void {
    this.#slots.delete(slot.objectKey)
    if (slot.file) rmSync(slot.file, { force: true })
  }

  #projectSlots(projectId: string): number {
    let n = 0
    for (const slot of this.#slots.values()) if (slot.projectId === projectId) n++
    return n
  }

  #projectBytes(projectId: string): number {
    let n = 0
    for (const slot of this.#slots.values()) if (slot.projectId === projectId) n += slot.bytes
    return n
  }

  #totalBytes(): number {
    let n = 0
    for (const slot of this.#slots.values()) n += slot.bytes
    return n
  }

  #sweep(): void {
    const now = this.now()
    for (const slot of this.#slots.values()) {
      if (slot.expiresAt <= now && !slot.uploading) this.#drop(slot)
    }
  }
}

function safeName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? 'file'
  return base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'file'
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
