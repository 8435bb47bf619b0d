import type { Kysely } from 'kysely'
import type { Executor } from '../bulk.js'
import type { Database, PendingUploadsTable } from '../schema.js'

/** SQL of Gradient presigned-upload slots and their chunks (rules: src/server/gradient/uploads.ts). */

/** Drops slots expired at `now` that no server is receiving or taking, with their chunks. */
export async function deleteExpiredUploads(db: Kysely<Database>, now: string): Promise<void> {
  const expired = await db
    .selectFrom('pending_uploads')
    .select('object_key')
    .where('expires_at', '<=', now)
    .where((eb) => eb.or([eb('receiving_until', 'is', null), eb('receiving_until', '<', now)]))
    .where((eb) => eb.or([eb('taken_until', 'is', null), eb('taken_until', '<', now)]))
    .execute()
  for (const { object_key } of expired) await deleteUpload(db, object_key)
}

export async function countUploadSlots(db: Executor, projectId?: string): Promise<number> {
  let q = db.selectFrom('pending_uploads').select((eb) => eb.fn.countAll<number>().as('n'))
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  return Number((await q.executeTakeFirstOrThrow()).n)
}

/** Bytes held by pending uploads (complete ones and those still streaming in), optionally of one project. */
export async function pendingUploadBytes(db: Executor, projectId?: string): Promise<number> {
  let q = db
    .selectFrom('pending_uploads')
    .select((eb) => eb.fn.sum<number>(eb('bytes', '+', eb.ref('receiving_bytes'))).as('n'))
  if (projectId !== undefined) q = q.where('project_id', '=', projectId)
  return Number((await q.executeTakeFirstOrThrow()).n ?? 0)
}

export async function insertUploadSlots(db: Executor, rows: PendingUploadsTable[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('pending_uploads').values(rows).execute()
}

export async function findUploadSlot(
  db: Executor,
  objectKey: string,
): Promise<PendingUploadsTable | undefined> {
  return db.selectFrom('pending_uploads').selectAll().where('object_key', '=', objectKey).executeTakeFirst()
}

/** Starts receiving a PUT unless another one holds a live lease; true when this one may go on. */
export async function beginReceiving(
  db: Executor,
  objectKey: string,
  receivingId: string,
  now: string,
  until: string,
): Promise<boolean> {
  const result = await db
    .updateTable('pending_uploads')
    .set({ receiving_id: receivingId, receiving_bytes: 0, receiving_until: until })
    .where('object_key', '=', objectKey)
    .where((eb) => eb.or([eb('receiving_until', 'is', null), eb('receiving_until', '<', now)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Stores one chunk of a PUT in progress and renews its lease; false when the slot is gone or taken over. */
export async function appendUploadChunk(
  db: Kysely<Database>,
  chunk: {
    objectKey: string
    receivingId: string
    seq: number
    data: string
    receivedBytes: number
    until: string
  },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('pending_uploads')
      .set({ receiving_bytes: chunk.receivedBytes, receiving_until: chunk.until })
      .where('object_key', '=', chunk.objectKey)
      .where('receiving_id', '=', chunk.receivingId)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) return false
    await trx
      .insertInto('pending_upload_chunks')
      .values({ object_key: chunk.objectKey, upload_id: chunk.receivingId, seq: chunk.seq, data: chunk.data })
      .execute()
    return true
  })
}

/** Makes a finished PUT the slot's upload (replacing an earlier one); false when the slot is gone or taken over. */
export async function finishReceiving(
  db: Kysely<Database>,
  objectKey: string,
  receivingId: string,
  bytes: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('pending_uploads')
      .set({ upload_id: receivingId, bytes, receiving_id: null, receiving_bytes: 0, receiving_until: null })
      .where('object_key', '=', objectKey)
      .where('receiving_id', '=', receivingId)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) return false
    await trx
      .deleteFrom('pending_upload_chunks')
      .where('object_key', '=', objectKey)
      .where('upload_id', '!=', receivingId)
      .execute()
    return true
  })
}

/** Drops a failed PUT's chunks and lease; the slot keeps its earlier upload, if any. */
export async function abortReceiving(
  db: Kysely<Database>,
  objectKey: string,
  receivingId: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('pending_uploads')
      .set({ receiving_id: null, receiving_bytes: 0, receiving_until: null })
      .where('object_key', '=', objectKey)
      .where('receiving_id', '=', receivingId)
      .execute()
    await trx
      .deleteFrom('pending_upload_chunks')
      .where('object_key', '=', objectKey)
      .where('upload_id', '=', receivingId)
      .execute()
  })
}

/** Leases a slot to the caller that turns it into a dataset; the row when this caller got it. */
export async function claimUploadForTake(
  db: Executor,
  objectKey: string,
  projectId: string,
  now: string,
  until: string,
): Promise<PendingUploadsTable | undefined> {
  const result = await db
    .updateTable('pending_uploads')
    .set({ taken_until: until })
    .where('object_key', '=', objectKey)
    .where('project_id', '=', projectId)
    .where('expires_at', '>', now)
    .where('upload_id', 'is not', null)
    .where((eb) => eb.or([eb('taken_until', 'is', null), eb('taken_until', '<', now)]))
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) return undefined
  return findUploadSlot(db, objectKey)
}

export async function releaseUploadTake(db: Executor, objectKey: string): Promise<void> {
  await db
    .updateTable('pending_uploads')
    .set({ taken_until: null })
    .where('object_key', '=', objectKey)
    .execute()
}

export async function readUploadChunks(db: Executor, objectKey: string, uploadId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('pending_upload_chunks')
    .select('data')
    .where('object_key', '=', objectKey)
    .where('upload_id', '=', uploadId)
    .orderBy('seq')
    .execute()
  return rows.map((r) => r.data)
}

export async function deleteUpload(db: Kysely<Database>, objectKey: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('pending_upload_chunks').where('object_key', '=', objectKey).execute()
    await trx.deleteFrom('pending_uploads').where('object_key', '=', objectKey).execute()
  })
}
