// Replay building blocks: mode resolution, redaction, and the recordings file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
