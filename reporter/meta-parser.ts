import type * as z from 'zod'
import { isObject, validItemResult } from '../src/schema/item-result-check.js'
import { type EvalMeta, EvalMetaSchema, type SuiteDef } from '../src/schema/meta.js'
import { PARSE_ONCE } from '../src/schema/parse-once.js'

const MetaWithoutSuiteSchema = EvalMetaSchema.omit({ suite: true })

export type MetaParseResult =
  | { success: true; data: EvalMeta }
  | { success: false; error: { issues: z.core.$ZodIssue[] } }

/**
 * Validates each test's `meta.evalgate` payload with EvalMetaSchema. A suite definition equal (as
 * JSON) to one already validated is not parsed again: every item of a suite carries the same one,
 * and parsing it was most of the reporter's per-item CPU. Items of one suite share the parsed
 * definition object. The rest of the payload goes through the hand-written check equal to the
 * schema (src/schema/item-result-check.ts), which copies nothing; whatever it does not accept is
 * parsed by zod, which names the bad field.
 */
export class EvalMetaParser {
  private readonly suites = new Map<string, SuiteDef>()

  parse(payload: unknown): MetaParseResult {
    const suite =
      typeof payload === 'object' && payload !== null ? (payload as { suite?: unknown }).suite : undefined
    const text = suite === undefined ? undefined : JSON.stringify(suite)
    const known = text === undefined ? undefined : this.suites.get(text)
    if (known) {
      const fast = validMetaWithoutSuite(payload)
      if (fast) return { success: true, data: { ...fast, suite: known } }
      const rest = MetaWithoutSuiteSchema.safeParse(payload)
      return rest.success ? { success: true, data: { ...rest.data, suite: known } } : rest
    }
    const parsed = EvalMetaSchema.safeParse(payload, PARSE_ONCE)
    if (parsed.success && text !== undefined) {
      if (this.suites.size > 1000) this.suites.clear()
      this.suites.set(text, parsed.data.suite)
    }
    return parsed
  }
}

const META_KEYS = new Set(['schemaVersion', 'suite', 'file', 'trials', 'result'])

/**
 * The payload without its suite as MetaWithoutSuiteSchema would output it, when certainly valid;
 * undefined otherwise (unknown keys, which zod strips, and keys set to undefined are left to zod).
 */
function validMetaWithoutSuite(payload: unknown): Omit<EvalMeta, 'suite'> | undefined {
  if (!isObject(payload)) return undefined
  for (const key in payload) {
    if (!META_KEYS.has(key) || (payload as Record<string, unknown>)[key] === undefined) return undefined
  }
  const { schemaVersion, file, trials, result } = payload as Record<string, unknown>
  if (schemaVersion !== 1) return undefined
  if (file !== undefined && typeof file !== 'string') return undefined
  if (typeof trials !== 'number' || !Number.isSafeInteger(trials) || trials < 1) return undefined
  const item = validItemResult(result)
  if (!item) return undefined
  return file === undefined
    ? { schemaVersion, trials, result: item }
    : { schemaVersion, file, trials, result: item }
}
