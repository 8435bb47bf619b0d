import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunStatus } from '../../src/schema/api.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { nextRunStatus, type RunEvent } from '../../src/server/service/run-status.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'
import { client } from '../helpers/http.js'

// from, event → to ('409' = illegal); `complete` derives 'partially_succeeded' here.
const TABLE: Array<[RunStatus, RunEvent, RunStatus | '409']> = [
  ['queued', 'items', 'running'],
  ['queued', 'complete', 'partially_succeeded'],
  ['queued', 'fail', 'failed'],
  ['queued', 'cancel', 'cancelled'],
  ['running', 'items', 'running'],
  ['running', 'complete', 'partially_succeeded'],
  ['running', 'fail', 'failed'],
  ['running', 'cancel', 'cancelled'],
  ['evaluating', 'items', 'evaluating'],
  ['succeeded', 'items', 'succeeded'],
  ['succeeded', 'complete', 'partially_succeeded'],
  ['succeeded', 'fail', 'failed'],
  ['succeeded', 'cancel', '409'],
  ['partially_succeeded', 'cancel', '409'],
  ['failed', 'items', 'failed'],
  ['failed', 'complete', 'failed'],
  ['failed', 'fail', 'failed'],
  ['failed', 'cancel', '409'],
  ['cancelled', 'items', '409'],
  ['cancelled', 'complete', 'cancelled'],
  ['cancelled', 'fail', '409'],
  ['cancelled', 'cancel', 'cancelled'],
]

describe('run status machine', () => {
  test.each(TABLE)('%s + %s → %s', (from, event, to) => {
    const next = () => nextRunStatus('r1', from, event, () => 'partially_succeeded')
    if (to === '409') {
      expect(next).toThrow(expect.objectContaining({ status: 409, currentStatus: from }))
      expect(next).toThrow(`run r1 is ${from} and `)
    } else {
      expect(next()).toBe(to)
    }
  })
})

describe('run status over the API', () => {
  let dir: string
  let server: RunningServer
  let api: ReturnType<typeof client>
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evalgate-status-'))
    server = await startServer({ db: join(dir, 's.db') })
    api = client(server.url)
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function newRun(name: string): Promise<string> {
    const created = await api.post('/api/v1/runs', { suite: suiteDef({ name }), runGroup: name })
    return created.body.run.id
  }

  test('a run finalized failed stays failed when finalized again with completed, keeping its error', async () => {
    const id = await newRun('refinalize')
    await api.post(`/api/v1/runs/${id}/items`, { items: [itemResult(0)] })
    const failed = await api.post(`/api/v1/runs/${id}/finalize`, {
      outcome: 'failed',
      errorDescription: 'OOM',
    })
    expect(failed.body).toMatchObject({
      status: 'failed',
      errorDescription: 'OOM',
      evaluationStatus: 'completed',
    })
    const again = await api.post(`/api/v1/runs/${id}/finalize`, { outcome: 'completed' })
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({
      status: 'failed',
      errorDescription: 'OOM',
      evaluationStatus: 'completed',
    })
  })

  test("sharded: a later shard's normal finalize does not erase an earlier shard's failure", async () => {
    const id = await newRun('shards')
    await api.post(`/api/v1/runs/${id}/items`, { items: [itemResult(0)] })
    await api.post(`/api/v1/runs/${id}/finalize`, { outcome: 'failed', errorDescription: 'shard 1 crashed' })
    // shard 2 joins, uploads and finalizes normally
    const joined = await api.post('/api/v1/runs', { suite: suiteDef({ name: 'shards' }), runGroup: 'shards' })
    expect(joined.body).toMatchObject({ joined: true, run: { id } })
    expect((await api.post(`/api/v1/runs/${id}/items`, { items: [itemResult(1)] })).status).toBe(200)
    const fin = await api.post(`/api/v1/runs/${id}/finalize`, { outcome: 'completed' })
    expect(fin.body).toMatchObject({
      status: 'failed',
      errorDescription: 'shard 1 crashed',
      summary: { totalItems: 2, verdict: { passed: false, rule: 'status:failed' } },
    })
    // another shard failing adds its error text
    const second = await api.post(`/api/v1/runs/${id}/finalize`, {
      outcome: 'failed',
      errorDescription: 'shard 3 crashed',
    })
    expect(second.body.errorDescription).toBe('shard 1 crashed\nshard 3 crashed')
  })

  test('illegal transitions are a 409 naming the current status', async () => {
    const done = await newRun('done')
    await api.post(`/api/v1/runs/${done}/items`, { items: [itemResult(0)] })
    await api.post(`/api/v1/runs/${done}/finalize`, {})
    const cancel = await api.post(`/api/v1/runs/${done}/finalize`, { outcome: 'cancelled' })
    expect(cancel.status).toBe(409)
    expect(cancel.body.error).toEqual({
      code: 'conflict',
      message: `run ${done} is succeeded and cannot be cancelled`,
      currentStatus: 'succeeded',
    })

    const cancelled = await newRun('cancelled')
    await api.post(`/api/v1/runs/${cancelled}/finalize`, { outcome: 'cancelled' })
    const items = await api.post(`/api/v1/runs/${cancelled}/items`, { items: [itemResult(0)] })
    expect(items.status).toBe(409)
    expect(items.body.error.currentStatus).toBe('cancelled')
    const fail = await api.post(`/api/v1/runs/${cancelled}/finalize`, { outcome: 'failed' })
    expect(fail.status).toBe(409)
    // finalizing a cancelled run normally (as `evalgate gate` does) is not an error: it stays cancelled
    const complete = await api.post(`/api/v1/runs/${cancelled}/finalize`, {})
    expect(complete.body).toMatchObject({ status: 'cancelled', evaluationStatus: 'completed' })
  })

  test("a finished run takes a late shard's items and derives its status again", async () => {
    const id = await newRun('late')
    await api.post(`/api/v1/runs/${id}/items`, { items: [itemResult(0)] })
    expect((await api.post(`/api/v1/runs/${id}/finalize`, {})).body.status).toBe('succeeded')
    const late = itemResult(1, {
      status: 'timeout',
      passed: false,
      error: { name: 'TimeoutError', message: 't' },
    })
    await api.post(`/api/v1/runs/${id}/items`, { items: [late] })
    expect((await api.get(`/api/v1/runs/${id}`)).body).toMatchObject({
      status: 'partially_succeeded',
      evaluationStatus: 'completed',
    })
  })
})
