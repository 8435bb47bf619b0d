import type { JsonValue } from '../../schema/common.js'
import { nodeCrypto } from '../../util/builtins.js'

const { randomUUID } = nodeCrypto

export { sha256Hex as sha256 } from '../../util/hash.js'
export { isoNow as nowIso } from '../../util/iso-now.js'

export const newId = (): string => randomUUID()

/** `undefined` → SQL NULL (absent); anything else, including JSON null, → JSON text. */
export function jsonOrNull(value: JsonValue | undefined | unknown): string | null {
  return value === undefined ? null : JSON.stringify(value)
}

export function parseJson<T = JsonValue>(text: string): T {
  return JSON.parse(text) as T
}

export function parseJsonOrUndefined<T = JsonValue>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T)
}

export const bool = (v: number | null): boolean | null => (v === null ? null : v !== 0)
export const int = (v: boolean): number => (v ? 1 : 0)
