// Replay building blocks: mode resolution, redaction, and the recordings file.
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { resolveMode } from '../../src/replay/mode.js'
import { redactJson, redactUrl, secretsOf } from '../../src/replay/redact.js'
import { RecordingFile, recordingsPathFor } from '../../src/replay/store.js'

const dir = mkdtempSync(join(tmpdir(), 'evalgate-replay-units-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('replay mode', () => {
  test('EVALGATE_REPLAY, vitest -u and CI', () => {
    expect(resolveMode({}, false)).toBe('auto')
    expect(resolveMode({ CI: 'true' }, false)).toBe('replay')
    expect(resolveMode({ CI: '1', EVALGATE_REPLAY: 'strict' }, false)).toBe('strict')
    expect(resolveMode({ EVALGATE_REPLAY: 'strict' }, true)).toBe('record')
    expect(resolveMode({ EVALGATE_REPLAY: 'off' }, true)).toBe('off')
    expect(() => resolveMode({ EVALGATE_REPLAY: 'sometimes' }, false)).toThrow(
      'EVALGATE_REPLAY="sometimes" is not a replay mode; use one of auto, record, replay, strict, off',
    )
  })
})

describe('redaction', () => {
  test('secrets from auth headers and key-carrying query parameters are scrubbed everywhere', () => {
    const secrets = secretsOf({
      authorization: 'Bearer sk-live-abcdef123456',
      'api-key': 'azure-key-987654321',
    })
    expect(secrets).toEqual(['Bearer sk-live-abcdef123456', 'sk-live-abcdef123456', 'azure-key-987654321'])
    const { url, secrets: fromUrl } = redactUrl(
      new URL('https://x.test/v1/models?key=gemini-key-55555555&alt=sse'),
    )
    expect(url).toBe('https://x.test/v1/models?key=%5Bredacted%5D&alt=sse')
    expect(fromUrl).toEqual(['gemini-key-55555555'])
    const body = redactJson(
      {
        note: 'my key is sk-live-abcdef123456',
        user: 'bob',
        metadata: { email: 'b@x.test', user: 'kept?' },
        api_key: 'x',
      },
      ['metadata.email'],
      secrets,
    )
    expect(body).toEqual({
      note: 'my key is [redacted]',
      user: 'bob',
      metadata: { email: '[redacted]', user: 'kept?' },
      api_key: '[redacted]',
    })
    expect(redactJson({ a: [{ user: 'x' }] }, ['user'], [])).toEqual({ a: [{ user: '[redacted]' }] })
  })
})

describe('recordings file', () => {
  test('lives in __recordings__ next to the eval file', () => {
    expect(recordingsPathFor('/p/evals/rag.eval.ts')).toBe('/p/evals/__recordings__/rag.eval.ts.jsonl')
  })

  test('written sorted by key, one entry a line, only when something was added', () => {
    const path = join(dir, 'a', '__recordings__', 'x.eval.ts.jsonl')
    const file = new RecordingFile(path)
    file.flush()
    expect(() => readFileSync(path)).toThrow()
    file.set({ key: 'b', trial: 0, recorded: 'n', value: 2 })
    file.set({ key: 'a', trial: 1, recorded: 'n', value: 1 })
    file.flush()
    expect(readFileSync(path, 'utf8')).toBe(
      '{"key":"a","trial":1,"recorded":"n","value":1}\n{"key":"b","trial":0,"recorded":"n","value":2}\n',
    )
    expect(new RecordingFile(path).get('a')?.value).toBe(1)
  })

  test('a line without a key names the file and line', () => {
    const path = join(dir, 'bad.jsonl')
    writeFileSync(path, '{"key":"a","trial":0}\n\n{"trial":0}\n')
    expect(() => new RecordingFile(path).get('a')).toThrow(`${path}:3: a recording needs a string "key"`)
  })
})

describe('recordings file with several writers', () => {
  const keysOf = (path: string) =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const entry = JSON.parse(line) as { key: string; value: unknown }
        return `${entry.key}=${String(entry.value)}`
      })

  test('two writers that read the file before either wrote keep both sets of recordings', () => {
    const path = join(dir, 'shared', 'x.eval.ts.jsonl')
    const seed = new RecordingFile(path)
    seed.set({ key: 'k0', trial: 0, recorded: 'n', value: 'seed' })
    seed.flush()
    const a = new RecordingFile(path)
    const b = new RecordingFile(path)
    a.set({ key: 'a1', trial: 0, recorded: 'n', value: 'a' })
    a.set({ key: 'k0', trial: 0, recorded: 'n', value: 'a' })
    b.set({ key: 'b1', trial: 0, recorded: 'n', value: 'b' })
    a.flush()
    b.flush()
    // b only read k0: it keeps a's newer answer; each writer's own keys survive.
    expect(keysOf(path)).toEqual(['a1=a', 'b1=b', 'k0=a'])
    // b now sees a's entries too
    expect(b.get('a1')?.value).toBe('a')
    b.set({ key: 'k0', trial: 0, recorded: 'n', value: 'b' })
    b.flush()
    expect(keysOf(path)).toEqual(['a1=a', 'b1=b', 'k0=b'])
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  test('a write waits for the lock another writer holds, and names it when it is not released', () => {
    const path = join(dir, 'locked', 'x.eval.ts.jsonl')
    const file = new RecordingFile(path, { waitMs: 150, staleMs: 60_000 })
    file.set({ key: 'a', trial: 0, recorded: 'n', value: 1 })
    const lock = `${path}.lock`
    file.flush() // creates the directory
    file.set({ key: 'b', trial: 0, recorded: 'n', value: 2 })
    writeFileSync(lock, '12345\n')
    const started = Date.now()
    expect(() => file.flush()).toThrow(`${lock}: another process has held this lock`)
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
    expect(keysOf(path)).toEqual(['a=1'])
    rmSync(lock)
    file.flush()
    expect(keysOf(path)).toEqual(['a=1', 'b=2'])
  })

  test('a lock left by a writer that died is taken over', () => {
    const path = join(dir, 'stale', 'x.eval.ts.jsonl')
    const file = new RecordingFile(path, { waitMs: 5_000, staleMs: 1_000 })
    file.set({ key: 'a', trial: 0, recorded: 'n', value: 1 })
    file.flush()
    const lock = `${path}.lock`
    writeFileSync(lock, '12345\n')
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)
    file.set({ key: 'b', trial: 0, recorded: 'n', value: 2 })
    file.flush()
    expect(keysOf(path)).toEqual(['a=1', 'b=2'])
    expect(existsSync(lock)).toBe(false)
  })

  test("the server's write waits for a held lock on timers: its event loop keeps running", async () => {
    const path = join(dir, 'async', 'x.eval.ts.jsonl')
    const file = new RecordingFile(path, { waitMs: 5_000, staleMs: 400 })
    file.set({ key: 'a', trial: 0, recorded: 'n', value: 1 })
    await file.flushAsync()
    const lock = `${path}.lock`
    writeFileSync(lock, '12345\n') // held by a writer that then dies: stale after 400 ms
    file.set({ key: 'b', trial: 0, recorded: 'n', value: 2 })
    let ticks = 0
    const ticker = setInterval(() => ticks++, 10)
    const started = Date.now()
    try {
      await file.flushAsync()
    } finally {
      clearInterval(ticker)
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(390)
    // a blocking wait (Atomics.wait) would have let no tick run
    expect(ticks).toBeGreaterThan(10)
    expect(keysOf(path)).toEqual(['a=1', 'b=2'])
    expect(existsSync(lock)).toBe(false)
    // a live lock held past the wait fails naming it, and keeps what the file had
    const held = new RecordingFile(path, { waitMs: 150, staleMs: 60_000 })
    held.set({ key: 'c', trial: 0, recorded: 'n', value: 3 })
    writeFileSync(lock, '12345\n')
    await expect(held.flushAsync()).rejects.toThrow(`${lock}: another process has held this lock`)
    expect(keysOf(path)).toEqual(['a=1', 'b=2'])
    rmSync(lock)
  })

  test('a file another writer left unreadable is not overwritten: the write names its line', () => {
    const path = join(dir, 'spoiled', 'x.eval.ts.jsonl')
    const file = new RecordingFile(path)
    file.set({ key: 'a', trial: 0, recorded: 'n', value: 1 })
    file.flush()
    writeFileSync(path, '{"key":"a","trial":0}\nnot json\n')
    file.set({ key: 'b', trial: 0, recorded: 'n', value: 2 })
    expect(() => file.flush()).toThrow(`${path}:2: not a JSON line`)
    expect(readFileSync(path, 'utf8')).toBe('{"key":"a","trial":0}\nnot json\n')
    expect(existsSync(`${path}.lock`)).toBe(false)
  })
})
