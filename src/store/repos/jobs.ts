import type { Kysely } from 'kysely'
import type { Executor } from '../bulk.js'
import type { Dialect } from '../open.js'
import type { Database, JobsTable } from '../schema.js'

export type JobRow = JobsTable

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

/** Statuses a job never leaves. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled']

/**
 * Inserts the job unless one of its kind already has its key; returns the stored row (the existing
 * one on a key conflict).
 */
export async function insertJobIfAbsent(db: Executor, row: JobRow): Promise<JobRow> {
  await db
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) => oc.columns(['kind', 'job_key']).doNothing())
    .execute()
  let q = db.selectFrom('jobs').selectAll()
  q =
    row.job_key === null
      ? q.where('id', '=', row.id)
      : q.where('kind', '=', row.kind).where('job_key', '=', row.job_key)
  return q.executeTakeFirstOrThrow()
}

export async function findJob(db: Executor, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface JobFilter {
  projectId?: string
  kind?: string
  subject?: string
  status?: JobStatus[]
  limit?: number
}

/** Oldest first. */
export async function listJobs(db: Executor, f: JobFilter): Promise<JobRow[]> {
  let q = db.selectFrom('jobs').selectAll()
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId)
  if (f.kind !== undefined) q = q.where('kind', '=', f.kind)
  if (f.subject !== undefined) q = q.where('subject', '=', f.subject)
  if (f.status !== undefined && f.status.length > 0) q = q.where('status', 'in', f.status)
  return q
    .orderBy('created_at')
    .orderBy('id')
    .limit(f.limit ?? 1000)
    .execute()
}

/** Jobs of a subject by status (statuses without jobs are absent). */
export async function countJobsByStatus(
  db: Executor,
  subject: string,
  kind?: string,
): Promise<Partial<Record<JobStatus, number>>> {
  let q = db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('subject', '=', subject)
  if (kind !== undefined) q = q.where('kind', '=', kind)
  const rows = await q.groupBy('status').execute()
  const out: Partial<Record<JobStatus, number>> = {}
  for (const r of rows) out[r.status as JobStatus] = Number(r.n)
  return out
}

export interface ClaimRequest {
  kinds: string[]
  owner: string
  now: string
  leaseExpiresAt: string
  limit: number
}

/**
 * Claims up to `limit` jobs of `kinds` that are due (queued with `run_after <= now`) or whose
 * lease lapsed (running with `lease_expires_at < now`: its server died or hung), in one
 * transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent claimers never wait on or
 * take the same row; on SQLite the transaction holds the database's write lock (BEGIN IMMEDIATE,
 * src/store/open.ts), which serialises claimers. Each claimed job is `running`, leased to `owner`,
 * with `attempts` incremented.
 */
export async function claimJobs(
  db: Kysely<Database>,
  dialect: Dialect,
  req: ClaimRequest,
): Promise<JobRow[]> {
  if (req.kinds.length === 0 || req.limit <= 0) return []
  return db.transaction().execute(async (trx) => {
    let pick = trx
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', req.kinds)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', req.now)]),
          eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', req.now)]),
        ]),
      )
      .orderBy('run_after')
      .orderBy('created_at')
      .limit(req.limit)
    if (dialect === 'postgres') pick = pick.forUpdate().skipLocked()
    const ids = (await pick.execute()).map((r) => r.id)
    if (ids.length === 0) return []
    return trx
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        lease_owner: req.owner,
        lease_expires_at: req.leaseExpiresAt,
        attempts: eb('attempts', '+', 1),
        updated_at: req.now,
      }))
      .where('id', 'in', ids)
      .returningAll()
      .execute()
  })
}

/** Extends a lease; false when the job is no longer this owner's running job (lapsed and taken, cancelled). */
export async function renewLease(
  db: Executor,
  id: string,
  owner: string,
  leaseExpiresAt: string,
  now: string,
): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ lease_expires_at: leaseExpiresAt, updated_at: now })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

export interface JobOutcome {
  status: 'succeeded' | 'failed' | 'queued'
  result?: string | null
  lastError?: string | null
  /** For `queued` (a retry): when it may run again. */
  runAfter?: string
  /** For `queued`: give the claim back without counting it as an attempt (a clean stop). */
  uncountAttempt?: boolean
  now: string
}

/**
 * Ends this owner's claim of a job: done, failed for good, or queued again (retry, release). A
 * no-op returning false when the claim was lost meanwhile (lease lapsed and taken, cancelled).
 */
export async function settleJob(db: Executor, id: string, owner: string, o: JobOutcome): Promise<boolean> {
  const finished = o.status !== 'queued'
  const r = await db
    .updateTable('jobs')
    .set((eb) => ({
      status: o.status,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: o.now,
      ...(o.result !== undefined ? { result: o.result } : {}),
      ...(o.lastError !== undefined ? { last_error: o.lastError } : {}),
      ...(o.runAfter !== undefined ? { run_after: o.runAfter } : {}),
      ...(finished ? { finished_at: o.now } : {}),
      ...(o.uncountAttempt ? { attempts: eb('attempts', '-', 1) } : {}),
    }))
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/**
 * Cancels unfinished jobs (by id, or every unfinished job of a subject); a running one's handler
 * learns it at its next lease renewal. Returns how many were cancelled.
 */
export async function cancelJobs(
  db: Executor,
  target: { id: string } | { subject: string; kind?: string },
  now: string,
): Promise<number> {
  let q = db
    .updateTable('jobs')
    .set({
      status: 'cancelled',
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
      finished_at: now,
    })
    .where('status', 'in', ['queued', 'running'])
  if ('id' in target) q = q.where('id', '=', target.id)
  else {
    q = q.where('subject', '=', target.subject)
    if (target.kind !== undefined) q = q.where('kind', '=', target.kind)
  }
  const r = await q.executeTakeFirst()
  return Number(r.numUpdatedRows)
}

/** Deletes jobs that finished (succeeded, failed, cancelled) before `before`; returns how many. */
export async function deleteFinishedJobs(db: Executor, before: string): Promise<number> {
  const r = await db
    .deleteFrom('jobs')
    .where('status', 'in', [...FINISHED_JOB_STATUSES])
    .where('finished_at', '<', before)
    .executeTakeFirst()
  return Number(r.numDeletedRows)
}
