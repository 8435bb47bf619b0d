import { createHash, randomUUID } from 'node:crypto'
import type { JsonValue } from '../../schema/common.js'

export const newId = (): string => randomUUID()
export const nowIso = (): string => new Date().toISOString()

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = sortKeys(v)
    }
    return out
  }
  return value
}

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
