import { PassThrough, Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseDatasetCsv } from '../../src/server/gradient/dataset-csv.js'
import { GradientHttpError } from '../../src/server/gradient/errors.js'
import { UploadStore } from '../../src/server/gradient/uploads.js'
import { type RunningServer, startServer } from '../../src/server/index.js'
import { openStore, type Store } from '../../src/store/open.js'
import { insertProject } from '../../src/store/repos/projects.js'
import { DIALECTS, useDatabases } from '../helpers/stores.js'

function errorOf(fn: () => unknown): GradientHttpError {
  try {
    fn()
  } catch (error) {
    if (error instanceof GradientHttpError) return error
    throw error
  }
  throw new Error('expected a GradientHttpError')
}

describe('parseDatasetCsv', () => {
  it('reads query JSON objects, the ground-truth column and keeps other columns as metadata', () => {
    const csv = [
      'query,ground_truth,topic',
      '"{""question"":""refund window?""}",30 days,billing',
      '',
      '"{""question"":""Hi, there"",""lang"":""en""}",,greeting',
    ].join('\n')
    const parsed = parseDatasetCsv(Buffer.from(csv), 'faq.csv')
    expect(parsed.hasGroundTruth).toBe(true)
    expect(parsed.groundTruthColumn).toBe('ground_truth')
    expect(parsed.items).toEqual([
      { input: { question: 'refund window?' }, expected: '30 days', metadata: { topic: 'billing' } },
      { input: { question: 'Hi, there', lang: 'en' }, metadata: { topic: 'greeting' } },
    ])
  })

  it.each(['expected_output', 'Expected'])('accepts %s as the ground-truth column', (column) => {
    const parsed = parseDatasetCsv(`\uFEFFQuery,${column}\n"{""a"":1}",yes\n`, 'x.csv')
    expect(parsed.items).toEqual([{ input: { a: 1 }, expected: 'yes', metadata: {} }])
    expect(parsed.groundTruthColumn).toBe(column)
  })

  it('reports no ground truth when the column is absent or empty', () => {
    expect(parseDatasetCsv('query\n"{""a"":1}"\n', 'x.csv').hasGroundTruth).toBe(false)
    expect(parseDatasetCsv('query,expected\n"{""a"":1}",\n', 'x.csv').hasGroundTruth).toBe(false)
  })

  it('names the file and line of a query that is not a JSON object', () => {
    const e = errorOf(() => parseDatasetCsv('query\n"{""a"":1}"\nplain text\n', 'faq.csv'))
    expect(e.statusCode).toBe(400)
    expect(e.message).toMatch(
      /^faq\.csv line 3: column "query" must be a JSON object string, got "plain text"/,
    )
    const arr = errorOf(() => parseDatasetCsv('query\n"[1,2]"\n', 'faq.csv'))
    expect(arr.message).toMatch(
      /^faq\.csv line 2: column "query" must be a JSON object string, got "\[1,2\]"/,
    )
  })

  it('rejects a missing query column, ambiguous ground truth, ragged rows and empty files', () => {
    expect(errorOf(() => parseDatasetCsv('input,expected\nx,y\n', 'a.csv')).message).toBe(
      'a.csv line 1: missing required column "query" (found: input, expected)',
    )
    expect(errorOf(() => parseDatasetCsv('query,expected,ground_truth\n', 'a.csv')).message).toMatch(
      /several ground-truth columns \(expected, ground_truth\)/,
    )
    expect(errorOf(() => parseDatasetCsv('query,x\n"{}",1,2\n', 'a.csv')).message).toMatch(
      /^a\.csv line 2: invalid CSV/,
    )
    expect(errorOf(() => parseDatasetCsv('', 'a.csv')).message).toMatch(/the file is empty/)
  })
})

async function rejection(p: Promise<unknown>): Promise<GradientHttpError> {
  return p.then(
    () => {
      throw new Error('expected a GradientHttpError')
    },
    (e: unknown) => {
      if (e instanceof GradientHttpError) return e
      throw e
    },
  )
}

const readBack = (file: { data: Buffer; fileName: string }) => Promise.resolve(file)

describe.each(DIALECTS)('UploadStore on %s', (dialect) => {
  const databases = useDatabases(dialect)
  let store: Store
  beforeEach(async () => {
    store = await openStore(await databases.next())
    for (const id of ['p1', 'p2']) {
      await insertProject(store.db, { id, name: id, created_at: new Date().toISOString() })
    }
  })
  afterEach(() => store.close())

  it('streams a PUT body into the database in chunks and hands it out once to the same project', async () => {
    const uploads = new UploadStore(store.db)
    const [slot] = await uploads.presign('p1', [{ fileName: 'dir/my data.csv', fileSize: '5' }])
    if (!slot) throw new Error('no slot')
    expect(slot.objectKey).toMatch(/^[0-9a-f-]{36}-my_data\.csv$/)
    // 2.5 MiB in small pieces: stored as three chunks, never as one buffer
    const piece = Buffer.alloc(64 * 1024, 0x61)
    const body = Readable.from(Array.from({ length: 40 }, () => piece))
    expect(await uploads.put(slot.objectKey, slot.token, body)).toBe(40 * piece.length)
    const chunks = await store.db.selectFrom('pending_upload_chunks').select('seq').execute()
    expect(chunks).toHaveLength(3)
    expect((await rejection(uploads.take('p2', slot.objectKey, 'k', readBack))).statusCode).toBe(400)
    const taken = await uploads.take('p1', slot.objectKey, 'k', readBack)
    expect(taken.data.equals(Buffer.concat(Array.from({ length: 40 }, () => piece)))).toBe(true)
    expect(taken.fileName).toBe('dir/my data.csv')
    expect(await store.db.selectFrom('pending_upload_chunks').selectAll().execute()).toEqual([])
    expect((await rejection(uploads.take('p1', slot.objectKey, 'k', readBack))).message).toMatch(
      /unknown or expired/,
    )
  })

  it('keeps the upload when creating the dataset fails, for a corrected retry', async () => {
    const uploads = new UploadStore(store.db)
    const [slot] = await uploads.presign('p1', [{ fileName: 'a.csv' }])
    if (!slot) throw new Error('no slot')
    await uploads.put(slot.objectKey, slot.token, Buffer.from('query\n'))
    const failed = uploads.take('p1', slot.objectKey, 'k', async () => {
      throw new GradientHttpError(400, 'no rows')
    })
    expect((await rejection(failed)).message).toBe('no rows')
    expect((await uploads.take('p1', slot.objectKey, 'k', readBack)).data.toString()).toBe('query\n')
  })

  it('refuses a wrong token, a take before upload, oversize files, quotas and expired slots', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const uploads = new UploadStore(
      store.db,
      {
        maxFileBytes: 10,
        maxPendingBytes: 100,
        maxPendingBytesPerProject: 15,
        maxSlots: 10,
        maxSlotsPerProject: 3,
        ttlMs: 100,
      },
      () => now,
    )
    const [a, b] = await uploads.presign('p1', [{ fileName: 'a.csv' }, { fileName: 'b.csv' }])
    if (!a || !b) throw new Error('no slot')
    expect((await rejection(uploads.put(a.objectKey, 'nope', Buffer.from('x')))).statusCode).toBe(403)
    expect((await rejection(uploads.take('p1', a.objectKey, 'k', readBack))).message).toMatch(
      /nothing was uploaded/,
    )
    const big = await rejection(uploads.put(a.objectKey, a.token, Buffer.alloc(11)))
    expect(big.statusCode).toBe(413)
    expect(big.message).toContain('maxFileBytes (10 bytes)')
    await uploads.put(a.objectKey, a.token, Buffer.alloc(10))
    const quota = await rejection(uploads.put(b.objectKey, b.token, Buffer.alloc(6)))
    expect(quota.statusCode).toBe(413)
    expect(quota.message).toContain('maxPendingBytesPerProject (15)')
    // another project is not starved by p1
    const [other] = await uploads.presign('p2', [{ fileName: 'o.csv' }])
    expect(await uploads.put(other!.objectKey, other!.token, Buffer.alloc(10))).toBe(10)
    expect((await rejection(uploads.presign('p1', [{ fileName: 'c', fileSize: '11' }]))).path).toBe(
      'files.0.file_size',
    )
    const slots = await rejection(uploads.presign('p1', [{ fileName: 'c' }, { fileName: 'd' }]))
    expect(slots.statusCode).toBe(429)
    expect(slots.message).toContain('maxSlotsPerProject (3)')
    expect(await uploads.presign('p2', [{ fileName: 'c' }, { fileName: 'd' }])).toHaveLength(2)
    now += 100
    expect((await rejection(uploads.take('p1', a.objectKey, 'k', readBack))).message).toMatch(
      /unknown or expired/,
    )
    // the expired upload's bytes no longer count against the pending limit
    const [e] = await uploads.presign('p1', [{ fileName: 'e.csv' }])
    if (!e) throw new Error('no slot')
    await uploads.put(e.objectKey, e.token, Buffer.alloc(10))
    expect((await uploads.take('p1', e.objectKey, 'k', readBack)).data.length).toBe(10)
  })

  it('refuses a second PUT to the same slot while the first is streaming', async () => {
    const uploads = new UploadStore(store.db)
    const [slot] = await uploads.presign('p1', [{ fileName: 'a.csv' }])
    if (!slot) throw new Error('no slot')
    const slow = new PassThrough()
    const first = uploads.put(slot.objectKey, slot.token, slow)
    slow.write(Buffer.alloc(1024))
    await new Promise((r) => setTimeout(r, 50))
    const second = await rejection(uploads.put(slot.objectKey, slot.token, Buffer.from('x')))
    expect(second.message).toMatch(/already in progress/)
    slow.end(Buffer.alloc(1024))
    expect(await first).toBe(2048)
  })
})

describe.each(DIALECTS)('Gradient uploads across servers on one %s database', (dialect) => {
  const databases = useDatabases(dialect)

  it('presign on one server, PUT to another, create the dataset after a restart', async () => {
    const db = await databases.next()
    const a = await startServer({ db, port: 0 })
    const b = await startServer({ db, port: 0 })
    let c: RunningServer | undefined
    try {
      const presigned = await fetch(`${a.url}/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ files: [{ file_name: 'faq.csv', file_size: '40' }] }),
      })
      expect(presigned.status).toBe(200)
      const { uploads } = (await presigned.json()) as {
        uploads: { presigned_url: string; object_key: string }[]
      }
      const upload = uploads[0]!
      const onB = upload.presigned_url.replace(a.url, b.url)
      expect(onB).not.toBe(upload.presigned_url)
      const csv = 'query,expected\n"{""q"":""refund?""}",30 days\n'
      expect((await fetch(onB, { method: 'PUT', body: csv })).status).toBe(200)
      await a.close()
      c = await startServer({ db, port: 0 })
      const created = await fetch(`${c.url}/v2/gen-ai/evaluation_datasets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'faq',
          file_upload_dataset: { original_file_name: 'faq.csv', stored_object_key: upload.object_key },
        }),
      })
      expect(created.status).toBe(200)
      const { evaluation_dataset_uuid } = (await created.json()) as { evaluation_dataset_uuid: string }
      const listed = (await (await fetch(`${b.url}/v2/gen-ai/evaluation_datasets`)).json()) as {
        evaluation_datasets: { dataset_uuid: string; row_count: number }[]
      }
      expect(listed.evaluation_datasets).toEqual([
        expect.objectContaining({ dataset_uuid: evaluation_dataset_uuid, row_count: 1 }),
      ])
    } finally {
      await b.close()
      await c?.close()
    }
  })
})
