import { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import * as repo from '../../store/repos/uploads.js'
import type { Database } from '../../store/schema.js'
import { nodeCrypto } from '../../util/builtins.js'
import { sha256Hex } from '../../util/hash.js'
import { badRequest, GradientHttpError } from './errors.js'

const { randomBytes, randomUUID, timingSafeEqual } = nodeCrypto

/**
 * The server's own stand-in for Gradient's presigned-upload bucket. `presign` hands out one
 * upload slot per file (object key + secret token, valid `ttlMs`); the client PUTs the file to the
 * slot's URL, which is streamed into the database in chunks (never held whole in memory); creating
 * the dataset then `take`s the file. Files live only until the dataset is created from them (or the
 * slot expires): the dataset itself is what gets stored.
 *
 * Slots, chunks and the leases of a PUT in progress or a dataset being created live in the
 * database, so the presign, the PUT and the create may reach different servers on one database and
 * a pending upload survives a restart (ARCHITECTURE.md §8).
 *
 * Quotas are per project first, so one project cannot starve another: pending slots (429) and
 * pending bytes (413), each naming its limit; server-wide totals bound the space used.
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

export interface PresignedSlot {
  objectKey: string
  token: string
  fileName: string
  expiresAt: Date
}

/** Bytes per stored chunk: the unit of database writes, lease renewal and quota checks during a PUT. */
const CHUNK_BYTES = 1024 * 1024
/** A PUT (or a dataset create) that stops making progress this long frees its slot for another try. */
const LEASE_MS = 60_000

export class UploadStore {
  readonly #limits: UploadLimits

  constructor(
    private readonly db: Kysely<Database>,
    limits: Partial<UploadLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#limits = { ...DEFAULT_UPLOAD_LIMITS, ...limits }
  }

  get limits(): UploadLimits {
    return this.#limits
  }

  async presign(
    projectId: string,
    files: { fileName: string; fileSize?: string }[],
  ): Promise<PresignedSlot[]> {
    await this.#sweep()
    files.forEach((f, i) => {
      if (f.fileSize !== undefined && Number(f.fileSize) > this.#limits.maxFileBytes) {
        throw new GradientHttpError(
          413,
          `${f.fileName}: file_size ${f.fileSize} exceeds maxFileBytes (${this.#limits.maxFileBytes} bytes)`,
          `files.${i}.file_size`,
        )
      }
    })
    const mine = await repo.countUploadSlots(this.db, projectId)
    if (mine + files.length > this.#limits.maxSlotsPerProject) {
      throw new GradientHttpError(
        429,
        `this project has ${mine} pending uploads; ${files.length} more would exceed maxSlotsPerProject (${this.#limits.maxSlotsPerProject}): create datasets from them or wait until they expire`,
      )
    }
    const all = await repo.countUploadSlots(this.db)
    if (all + files.length > this.#limits.maxSlots) {
      throw new GradientHttpError(
        429,
        `the server has ${all} pending uploads (maxSlots ${this.#limits.maxSlots}); retry later`,
      )
    }
    const expiresAt = new Date(this.now() + this.#limits.ttlMs)
    const slots = files.map((f) => ({
      objectKey: `${randomUUID()}-${safeName(f.fileName)}`,
      token: randomBytes(24).toString('base64url'),
      fileName: f.fileName,
      expiresAt,
    }))
    await repo.insertUploadSlots(
      this.db,
      slots.map((slot) => ({
        object_key: slot.objectKey,
        project_id: projectId,
        token_hash: sha256Hex(slot.token),
        file_name: slot.fileName,
        expires_at: expiresAt.toISOString(),
        upload_id: null,
        bytes: 0,
        receiving_id: null,
        receiving_bytes: 0,
        receiving_until: null,
        taken_until: null,
      })),
    )
    return slots
  }

  /**
   * Streams the body of a PUT to a presigned URL into the database; returns its size. The token is
   * the URL's proof of authorization. Limits are checked as bytes arrive, so an oversize body is
   * cut off. A re-upload replaces the previous file once it is complete.
   */
  async put(objectKey: string, token: string, body: Readable | Buffer): Promise<number> {
    await this.#sweep()
    const slot = await repo.findUploadSlot(this.db, objectKey)
    if (!slot || !sameSecret(slot.token_hash, sha256Hex(token)) || slot.expires_at <= this.#iso()) {
      throw new GradientHttpError(403, 'upload URL is invalid or has expired; request a new presigned URL')
    }
    const receivingId = randomUUID()
    if (!(await repo.beginReceiving(this.db, objectKey, receivingId, this.#iso(), this.#iso(LEASE_MS)))) {
      throw new GradientHttpError(400, 'an upload to this URL is already in progress')
    }
    let bytes: number
    try {
      bytes = await this.#receive(
        slot.project_id,
        objectKey,
        receivingId,
        Buffer.isBuffer(body) ? Readable.from([body]) : body,
      )
    } catch (error) {
      await repo.abortReceiving(this.db, objectKey, receivingId)
      throw error instanceof GradientHttpError
        ? error
        : badRequest(`upload failed: ${(error as Error).message}`)
    }
    if (!(await repo.finishReceiving(this.db, objectKey, receivingId, bytes))) {
      // the slot expired and was swept (or its lease lapsed and another PUT took over) meanwhile
      await repo.abortReceiving(this.db, objectKey, receivingId)
      throw new GradientHttpError(403, 'upload URL expired during the upload; request a new presigned URL')
    }
    return bytes
  }

  /**
   * Stores `body` chunk by chunk, counting bytes against the limits as they arrive. Past a limit
   * the rest of the body is read and discarded (not stored), so that the client, still sending,
   * receives the 413 instead of a reset connection.
   */
  async #receive(projectId: string, objectKey: string, receivingId: string, body: Readable): Promise<number> {
    let failure: Error | null = null
    let received = 0
    let seq = 0
    let pending: Buffer[] = []
    let pendingBytes = 0
    const flush = async () => {
      if (pendingBytes === 0 && seq > 0) return
      const data = Buffer.concat(pending).toString('base64')
      pending = []
      pendingBytes = 0
      const stored = await repo.appendUploadChunk(this.db, {
        objectKey,
        receivingId,
        seq: seq++,
        data,
        receivedBytes: received,
        until: this.#iso(LEASE_MS),
      })
      if (!stored)
        throw new GradientHttpError(403, 'upload URL expired during the upload; request a new presigned URL')
      const over = await this.#overLimit(projectId, received)
      if (over) throw over
    }
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (failure) continue
      received += chunk.length
      if (received > this.#limits.maxFileBytes) {
        failure = new GradientHttpError(413, `file exceeds maxFileBytes (${this.#limits.maxFileBytes} bytes)`)
        continue
      }
      pending.push(chunk)
      pendingBytes += chunk.length
      if (pendingBytes >= CHUNK_BYTES) {
        try {
          await flush()
        } catch (error) {
          failure = error as Error
        }
      }
    }
    if (failure) throw failure
    await flush()
    return received
  }

  /** Bytes of this project's and all projects' pending uploads, this PUT's stored chunks included. */
  async #overLimit(projectId: string, received: number): Promise<GradientHttpError | null> {
    const limits = this.#limits
    if (received > limits.maxFileBytes)
      return new GradientHttpError(413, `file exceeds maxFileBytes (${limits.maxFileBytes} bytes)`)
    const projectBytes = await repo.pendingUploadBytes(this.db, projectId)
    if (projectBytes > limits.maxPendingBytesPerProject) {
      return new GradientHttpError(
        413,
        `this project's pending uploads would hold ${projectBytes} bytes, over maxPendingBytesPerProject (${limits.maxPendingBytesPerProject}): create datasets from them first`,
      )
    }
    const total = await repo.pendingUploadBytes(this.db)
    if (total > limits.maxPendingBytes) {
      return new GradientHttpError(
        413,
        `pending uploads would hold ${total} bytes, over the server's maxPendingBytes (${limits.maxPendingBytes}); retry later`,
      )
    }
    return null
  }

  /**
   * Hands the uploaded file of `objectKey` to `use` (which creates the dataset), checking it belongs
   * to `projectId`; the upload is deleted when `use` succeeds and kept for a corrected retry when it
   * throws. While `use` runs no other request can take the same upload.
   */
  async take<T>(
    projectId: string,
    objectKey: string,
    path: string,
    use: (file: { data: Buffer; fileName: string }) => Promise<T>,
  ): Promise<T> {
    await this.#sweep()
    const slot = await repo.claimUploadForTake(
      this.db,
      objectKey,
      projectId,
      this.#iso(),
      this.#iso(LEASE_MS),
    )
    if (!slot?.upload_id) {
      const known = await repo.findUploadSlot(this.db, objectKey)
      if (known && known.project_id === projectId && known.expires_at > this.#iso()) {
        throw badRequest(
          known.upload_id
            ? `stored_object_key ${JSON.stringify(objectKey)} is being turned into a dataset by another request`
            : `nothing was uploaded for stored_object_key ${JSON.stringify(objectKey)}: PUT the file to its presigned_url first`,
          path,
        )
      }
      throw badRequest(
        `unknown or expired stored_object_key ${JSON.stringify(objectKey)}: request a presigned URL and upload the file first`,
        path,
      )
    }
    const chunks = await repo.readUploadChunks(this.db, objectKey, slot.upload_id)
    const data = Buffer.concat(chunks.map((c) => Buffer.from(c, 'base64')))
    let result: T
    try {
      result = await use({ data, fileName: slot.file_name })
    } catch (error) {
      await repo.releaseUploadTake(this.db, objectKey)
      throw error
    }
    await repo.deleteUpload(this.db, objectKey)
    return result
  }

  #iso(offsetMs = 0): string {
    return new Date(this.now() + offsetMs).toISOString()
  }

  #sweep(): Promise<void> {
    return repo.deleteExpiredUploads(this.db, this.#iso())
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
