import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDatasetCsv } from '../../src/server/gradient/dataset-csv.js'
import { GradientHttpError } from '../../src/server/gradient/errors.js'
import { UploadStore } from '../../src/server/gradient/uploads.js'

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

describe('UploadStore', () => {
  it('streams a PUT body to disk under a presigned slot and hands it out once to the same project', async () => {
    const store = new UploadStore()
    const [slot] = store.presign('p1', [{ fileName: 'dir/my data.csv', fileSize: '5' }])
    if (!slot) throw new Error('no slot')
    expect(slot.objectKey).toMatch(/^[0-9a-f-]{36}-my_data\.csv$/)
    expect(await store.put(slot.objectKey, slot.token, Buffer.from('hello'))).toBe(5)
    // on disk, not in memory
    const files = readdirSync(store.dir)
    expect(files).toHaveLength(1)
    expect(readFileSync(join(store.dir, files[0]!), 'utf8')).toBe('hello')
    expect(errorOf(() => store.take('p2', slot.objectKey, 'k')).statusCode).toBe(400)
    const taken = store.take('p1', slot.objectKey, 'k')
    expect(taken.data.toString()).toBe('hello')
    expect(taken.fileName).toBe('dir/my data.csv')
    expect(readdirSync(store.dir)).toEqual([])
    expect(errorOf(() => store.take('p1', slot.objectKey, 'k')).message).toMatch(/unknown or expired/)
    store.close()
  })

  it('refuses a wrong token, a take before upload, oversize files, quotas and expired slots', async () => {
    let now = 1000
    const store = new UploadStore(
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
    const [a, b] = store.presign('p1', [{ fileName: 'a.csv' }, { fileName: 'b.csv' }])
    if (!a || !b) throw new Error('no slot')
    const rejection = (p: Promise<unknown>) =>
      p.then(
        () => ({}) as GradientHttpError,
        (e: GradientHttpError) => e,
      )
    expect((await rejection(store.put(a.objectKey, 'nope', Buffer.from('x')))).statusCode).toBe(403)
    expect(errorOf(() => store.take('p1', a.objectKey, 'k')).message).toMatch(/nothing was uploaded/)
    const big = await rejection(store.put(a.objectKey, a.token, Buffer.alloc(11)))
    expect(big.statusCode).toBe(413)
    expect(big.message).toContain('maxFileBytes (10 bytes)')
    await store.put(a.objectKey, a.token, Buffer.alloc(10))
    const quota = await rejection(store.put(b.objectKey, b.token, Buffer.alloc(6)))
    expect(quota.statusCode).toBe(413)
    expect(quota.message).toContain('maxPendingBytesPerProject (15)')
    // another project is not starved by p1
    const [other] = store.presign('p2', [{ fileName: 'o.csv' }])
    expect(await store.put(other!.objectKey, other!.token, Buffer.alloc(10))).toBe(10)
    expect(errorOf(() => store.presign('p1', [{ fileName: 'c', fileSize: '11' }])).path).toBe(
      'files.0.file_size',
    )
    const slots = errorOf(() => store.presign('p1', [{ fileName: 'c' }, { fileName: 'd' }]))
    expect(slots.statusCode).toBe(429)
    expect(slots.message).toContain('maxSlotsPerProject (3)')
    expect(store.presign('p2', [{ fileName: 'c' }, { fileName: 'd' }])).toHaveLength(2)
    now += 100
    expect(errorOf(() => store.take('p1', a.objectKey, 'k')).message).toMatch(/unknown or expired/)
    // the expired upload's bytes no longer count against the pending limit
    const [e] = store.presign('p1', [{ fileName: 'e.csv' }])
    if (!e) throw new Error('no slot')
    await store.put(e.objectKey, e.token, Buffer.alloc(10))
    expect(store.take('p1', e.objectKey, 'k').data.length).toBe(10)
    store.close()
  })
})
