import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { messagesFor } from '../../src/server/agents/call-agent.js'
import { SECRET_ENV, secretBox } from '../../src/server/agents/secrets.js'

const dir = mkdtempSync(join(tmpdir(), 'evalgate-secrets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('secretBox', () => {
  it('on SQLite creates a 0600 key file beside the database and round-trips values bound to their context', () => {
    const db = join(dir, 'a.db')
    const box = secretBox({ dialect: 'sqlite', location: db }, {})
    const sealed = box.encrypt('sk-secret', 'agent-1')
    expect(sealed).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/)
    expect(sealed).not.toContain('sk-secret')
    expect(box.encrypt('sk-secret', 'agent-1')).not.toBe(sealed) // fresh IV every time
    expect(box.decrypt(sealed, 'agent-1')).toBe('sk-secret')
    expect(statSync(`${db}.key`).mode & 0o777).toBe(0o600)
    expect(readFileSync(`${db}.key`, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/)
    // another process (a second box) reads the same file
    expect(secretBox({ dialect: 'sqlite', location: db }, {}).decrypt(sealed, 'agent-1')).toBe('sk-secret')
    // a value copied onto another agent does not decrypt
    expect(() => box.decrypt(sealed, 'agent-2')).toThrow(
      /does not decrypt with the server secret from .*a\.db\.key/,
    )
  })

  it('prefers EVALGATE_SECRET_KEY (hex or base64) and refuses other values, naming the variable', () => {
    const hex = '0f'.repeat(32)
    const fromHex = secretBox({ dialect: 'postgres', location: 'postgres://x' }, { [SECRET_ENV]: hex })
    const fromB64 = secretBox(
      { dialect: 'postgres', location: 'postgres://x' },
      { [SECRET_ENV]: Buffer.from(hex, 'hex').toString('base64') },
    )
    expect(fromB64.decrypt(fromHex.encrypt('k', 'a'), 'a')).toBe('k')
    const other = secretBox(
      { dialect: 'postgres', location: 'postgres://x' },
      { [SECRET_ENV]: '1f'.repeat(32) },
    )
    expect(() => other.decrypt(fromHex.encrypt('k', 'a'), 'a')).toThrow(
      /EVALGATE_SECRET_KEY: was the secret changed/,
    )
    const short = secretBox({ dialect: 'postgres', location: 'postgres://x' }, { [SECRET_ENV]: 'too-short' })
    expect(() => short.encrypt('k', 'a')).toThrow(/EVALGATE_SECRET_KEY must hold 32 bytes/)
  })

  it('on PostgreSQL without EVALGATE_SECRET_KEY refuses to store a key and suggests an env reference', () => {
    const box = secretBox({ dialect: 'postgres', location: 'postgres://x' }, {})
    expect(() => box.encrypt('k', 'a')).toThrow(
      /needs EVALGATE_SECRET_KEY .* or reference an environment variable/,
    )
  })
})

describe('messagesFor', () => {
  it('maps a row input to chat messages', () => {
    expect(messagesFor('hi', null)).toEqual([{ role: 'user', content: 'hi' }])
    expect(messagesFor({ query: 'q?', other: 1 }, 'be brief')).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'q?' },
    ])
    expect(messagesFor({ question: 'why?' }, null)).toEqual([{ role: 'user', content: 'why?' }])
    const conversation = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ]
    expect(messagesFor({ messages: conversation }, null)).toEqual(conversation)
    expect(messagesFor({ n: 1, tags: ['x'] }, null)).toEqual([
      { role: 'user', content: '{"n":1,"tags":["x"]}' },
    ])
    expect(messagesFor({ messages: [{ role: 'user' }] }, null)).toEqual([
      { role: 'user', content: '{"messages":[{"role":"user"}]}' },
    ])
  })
})
