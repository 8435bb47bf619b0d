import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { badRequest, GradientHttpError } from './errors.js'

/**
 * The server's own stand-in for Gradient's presigned-upload bucket. `presign` hands out one
 * upload slot per file (object key + secret token, valid `ttlMs`); the client PUTs the file to the
 * slot's URL; creating the dataset then `take`s the file. Files live in memory only until the
 * dataset is created from them (or the slot expires): the dataset itself is what gets stored.
 */
export interface UploadLimits {
  /** Largest accepted file, in bytes. */
  maxFileBytes: number
  /** Bytes held across all pending uploads. */
  maxPendingBytes: number
  /** Pending slots at most. */
  maxSlots: number
  ttlMs: number
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 50 * 1024 * 1024,
  maxPendingBytes: 256 * 1024 * 1024,
  maxSlots: 1000,
  ttlMs: 15 * 60 * 1000,
}

interface Slot {
  projectId: string
  objectKey: string
  token: string
  fileName: string
  expiresAt: number
  data: Buffer | null
}

export interface PresignedSlot {
  objectKey: string
  token: string
  fileName: string
  expiresAt: Date
}

export class UploadStore {
  readonly #slots = new Map<string, Slot>()
  #pendingBytes = 0

  constructor(
    readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  presign(projectId: string, files: { fileName: string; fileSize?: string }[]): PresignedSlot[] {
    this.#sweep()
    if (this.#slots.size + files.length > this.limits.maxSlots) {
      throw new GradientHttpError(
        422,
        `too many pending uploads (limit ${this.limits.maxSlots}); retry later`,
      )
    }
    files.forEach((f, i) => {
      if (f.fileSize !== undefined && Number(f.fileSize) > this.limits.maxFileBytes) {
        throw new GradientHttpError(
          413,
          `${f.fileName}: file_size ${f.fileSize} exceeds the limit of ${this.limits.maxFileBytes} bytes`,
          `files.${i}.file_size`,
        )
      }
    })
    const expiresAt = this.now() + this.limits.ttlMs
    return files.map((f) => {
      const objectKey = `${randomUUID()}-${safeName(f.fileName)}`
      const slot: Slot = {
        projectId,
        objectKey,
        token: randomBytes(24).toString('base64url'),
        fileName: f.fileName,
        expiresAt,
        data: null,
      }
      this.#slots.set(objectKey, slot)
      return { objectKey, token: slot.token, fileName: f.fileName, expiresAt: new Date(expiresAt) }
    })
  }

  /** Stores the body of a PUT to a presigned URL. The token is the URL's proof of authorization. */
  put(objectKey: string, token: string, data: Buffer): void {
    this.#sweep()
    const slot = this.#slots.get(objectKey)
    if (!slot || !sameSecret(slot.token, token)) {
      throw new GradientHttpError(403, 'upload URL is invalid or has expired; request a new presigned URL')
    }
    if (data.length > this.limits.maxFileBytes) {
      throw new GradientHttpError(413, `file exceeds the limit of ${this.limits.maxFileBytes} bytes`)
    }
    const previous = slot.data?.length ?? 0
    if (this.#pendingBytes - previous + data.length > this.limits.maxPendingBytes) {
      throw new GradientHttpError(422, 'too many bytes in pending uploads; create datasets from them first')
    }
    this.#pendingBytes += data.length - previous
    slot.data = data
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
    if (!slot.data) {
      throw badRequest(
        `nothing was uploaded for stored_object_key ${JSON.stringify(objectKey)}: PUT the file to its presigned_url first`,
        path,
      )
    }
    this.#slots.delete(objectKey)
    this.#pendingBytes -= slot.data.length
    return { data: slot.data, fileName: slot.fileName }
  }

  /** Puts a taken file back (e.g. when storing the dataset failed) so the client can retry. */
  restore(projectId: string, objectKey: string, fileName: string, data: Buffer): void {
    this.#slots.set(objectKey, {
      projectId,
      objectKey,
      token: randomBytes(24).toString('base64url'),
      fileName,
      expiresAt: this.now() + this.limits.ttlMs,
      data,
    })
    this.#pendingBytes += data.length
  }

  #sweep(): void {
    const now = this.now()
    for (const [key, slot] of this.#slots) {
      if (slot.expiresAt <= now) {
        this.#slots.delete(key)
        this.#pendingBytes -= slot.data?.length ?? 0
      }
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
