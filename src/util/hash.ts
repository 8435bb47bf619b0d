import { nodeCrypto } from './builtins.js'
import { canonicalJson } from './canonical-json.js'

const { createHash } = nodeCrypto

/** sha256 of a UTF-8 string, lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Content hash of a JSON value: the first `length` hex chars of sha256 over its canonical JSON. */
export function contentHash(value: unknown, length = 16): string {
  return sha256Hex(canonicalJson(value)).slice(0, length)
}
