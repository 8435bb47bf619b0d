import { createHash } from 'node:crypto'
import type { SuiteDefInput } from '../src/schema/meta.js'

/** JSON with object keys sorted, so equal definitions serialise identically. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {}
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
      return sorted
    }
    return v
  })
}

/** Identity of one suite definition within an invocation: two different definitions under one name are two runs. */
export function suiteKey(suite: SuiteDefInput): string {
  const hash = createHash('sha256').update(stableJson(suite)).digest('hex').slice(0, 12)
  return `${suite.name}@${hash}`
}
