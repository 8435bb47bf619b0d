import { readFileSync, writeFileSync } from 'node:fs'
import type { Store } from '../../store/open.js'
import { nodeCrypto } from '../../util/builtins.js'
import { ServiceError } from '../service/errors.js'

const { createCipheriv, createDecipheriv, randomBytes } = nodeCrypto

/**
 * Encryption at rest of agents' API keys: AES-256-GCM (node:crypto), a fresh 12-byte IV per value,
 * the agent id as additional authenticated data (a ciphertext copied onto another agent does not
 * decrypt). Stored as `v1:<iv>:<tag>:<ciphertext>` (base64url).
 *
 * The server secret (32 bytes) comes from, in order:
 * 1. `EVALGATE_SECRET_KEY`: 64 hex digits or the base64 of 32 bytes. Required on PostgreSQL, where
 *    several servers share the database and so must share the secret;
 * 2. SQLite only: the key file beside the database, `<database file>.key` (created on first use,
 *    mode 0600, 64 hex digits). Back it up with the database: without it stored keys are lost.
 */
export const SECRET_ENV = 'EVALGATE_SECRET_KEY'

export interface SecretBox {
  encrypt(plain: string, context: string): string
  decrypt(sealed: string, context: string): string
}

export function secretKeyFile(store: Pick<Store, 'dialect' | 'location'>): string | null {
  if (store.dialect !== 'sqlite' || store.location === ':memory:' || store.location === '') return null
  return `${store.location}.key`
}

function parseKey(text: string, source: string): Buffer {
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex')
  const b = Buffer.from(t, 'base64')
  if (b.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(t)) return b
  throw new ServiceError(
    500,
    'bad_secret',
    `${source} must hold 32 bytes as 64 hex digits or base64 (e.g. \`openssl rand -hex 32\`)`,
  )
}

function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return parseKey(readFileSync(path, 'utf8'), path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // another process created it first: use theirs
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  return parseKey(readFileSync(path, 'utf8'), path)
}

/** The secret box of this store; the key is resolved on first use (a server that stores no key never needs one). */
export function secretBox(store: Pick<Store, 'dialect' | 'location'>, env = process.env): SecretBox {
  let key: Buffer | undefined
  let source = ''
  const resolve = (): Buffer => {
    if (key) return key
    const fromEnv = env[SECRET_ENV]
    if (fromEnv !== undefined && fromEnv !== '') {
      source = SECRET_ENV
      key = parseKey(fromEnv, SECRET_ENV)
      return key
    }
    const file = secretKeyFile(store)
    if (!file) {
      throw new ServiceError(
        400,
        'no_secret',
        `storing an API key on ${store.dialect} needs ${SECRET_ENV} (the same on every server; 64 hex digits, ` +
          'e.g. `openssl rand -hex 32`); or reference an environment variable instead (apiKeyEnv / --api-key-env)',
      )
    }
    source = file
    key = loadOrCreateKeyFile(file)
    return key
  }
  return {
    encrypt(plain, context) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', resolve(), iv)
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return ['v1', iv, tag, ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':')
    },
    decrypt(sealed, context) {
      const [version, iv, tag, ct] = sealed.split(':')
      if (version !== 'v1' || iv === undefined || tag === undefined || ct === undefined)
        throw new ServiceError(500, 'bad_secret', 'a stored API key is not in the v1 format')
      const k = resolve()
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'))
        decipher.setAAD(Buffer.from(context, 'utf8'))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
          'utf8',
        )
      } catch {
        throw new ServiceError(
          500,
          'bad_secret',
          `a stored API key does not decrypt with the server secret from ${source}: was the secret changed?`,
        )
      }
    },
  }
}
