/**
 * Finding 5: one project exhausted the server-wide pending uploads (the other got 422 for 15
 * minutes), and uploads were held in memory. Quotas are per project now, and uploads stream into the database in chunks.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/server/index.js'

describe('per-project upload quotas', () => {
  let server: RunningServer
  let dir: string
  let otherKey: string
  let thirdKey: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'evalgate-quota-'))
    server = await startServer({
      db: join(dir, 'db.sqlite'),
      bodyLimit: 1024 * 1024,
      uploadLimits: { maxFileBytes: 8 * 1024 * 1024, maxPendingBytesPerProject: 5 * 1024 * 1024 },
    })
    const other = await server.services.projects.create('other')
    otherKey = (await server.services.projects.createKey(other.id)).key
    const third = await server.services.projects.create('third')
    thirdKey = (await server.services.projects.createKey(third.id)).key
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const presign = (files: number, key = 'local') =>
    fetch(`${server.url}/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ files: Array.from({ length: files }, (_, i) => ({ file_name: `f${i}.csv` })) }),
    })

  test('one project exhausting its slots gets 429 naming the limit; another project is unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await presign(20)).status).toBe(200)
    const over = await presign(1)
    expect(over.status).toBe(429)
    expect(((await over.json()) as { message: string }).message).toContain('maxSlotsPerProject (100)')
    expect((await presign(20, otherKey)).status).toBe(200)
  })

  test('uploads stream into the store past the JSON body limit; the byte quota is per project (413 naming it)', async () => {
    const upload = async (key: string, bytes: number) => {
      const res = await presign(1, key)
      const { uploads } = (await res.json()) as { uploads: { presigned_url: string }[] }
      return fetch(uploads[0]!.presigned_url, { method: 'PUT', body: Buffer.alloc(bytes, 0x61) })
    }
    const mine = await upload(thirdKey, 3 * 1024 * 1024)
    expect(mine.status).toBe(200)
    expect(((await mine.json()) as { size_in_bytes: string }).size_in_bytes).toBe(String(3 * 1024 * 1024))
    const tooMuch = await upload(thirdKey, 3 * 1024 * 1024)
    expect(tooMuch.status).toBe(413)
    expect(((await tooMuch.json()) as { message: string }).message).toContain(
      `maxPendingBytesPerProject (${5 * 1024 * 1024})`,
    )
    expect((await upload(otherKey, 3 * 1024 * 1024)).status).toBe(200)
    const tooBig = await upload(otherKey, 9 * 1024 * 1024)
    expect(tooBig.status).toBe(413)
  })
})
