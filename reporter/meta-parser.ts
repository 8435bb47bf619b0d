import { dequal } from 'dequal/lite'
import type * as z from 'zod'
import { omit } from 'zod/mini'
import { isObject, validItemResult } from '../src/schema/item-result-check.js'
import { type EvalMeta, EvalMetaSchema, type SuiteDef } from '../src/schema/meta.js'
import { PARSE_ONCE } from '../src/schema/parse-once.js'

const MetaWithoutSuiteSchema = omit(EvalMetaSchema, { suite: true })

export type MetaParseResult =
  | { success: true; data: EvalMeta }
  | { success: false; error: { issues: z.core.$ZodIssue[] } }

/**
 * Validates each test's `meta.evalgate` payload with EvalMetaSchema. A suite definition deep-equal
 * to one already validated is not parsed again: every item of a suite carries the same one, and
 * parsing it was most of the reporter's per-item CPU (comparing it as JSON text, the next most:
 * a string per item). Items of one suite share the parsed definition object. The rest of the
 * payload goes through the hand-written check equal to the schema (src/schema/item-result-check.ts),
 * which copies nothing; whatever it does not accept is parsed by zod, which names the bad field.
 */
export class EvalMetaParser {
  /** Validated suites by name: a copy of the payload's definition and what zod made of it. */
  private readonly suites = new Map<string, Array<{ raw: unknown; def: SuiteDef }>>()
  private knownCount = 0

  parse(payload: unknown): MetaParseResult {
    const suite = isObject(payload) ? (payload as { suite?: unknown }).suite : undefined
    const known = this.knownSuite(suite)
    if (known) {
      const fast = validMetaWithoutSuite(payload)
      if (fast) return { success: true, data: { ...fast, suite: known } }
      const rest = MetaWithoutSuiteSchema.safeParse(payload)
      return rest.success ? { success: true, data: { ...rest.data, suite: known } } : rest
    }
    const parsed = EvalMetaSchema.safeParse(payload, PARSE_ONCE)
    if (parsed.success) this.remember(suite, parsed.data.suite)
    return parsed
  }

  private knownSuite(raw: unknown): SuiteDef | undefined {
    const name = suiteName(raw)
    if (name === undefined) return undefined
    return this.suites.get(name)?.find((known) => dequal(known.raw, raw))?.def
  }

  private remember(raw: unknown, def: SuiteDef): void {
    if (this.knownCount >= 1000) {
      this.suites.clear()
      this.knownCount = 0
    }
    // A copy: the payload stays the test's own, and whatever changes it later changes no match.
    const entry = { raw: structuredClone(raw), def }
    const name = suiteName(raw) ?? def.name
    const sameName = this.suites.get(name)
    if (sameName) sameName.push(entry)
    else this.suites.set(name, [entry])
    this.knownCount++
  }
}

function suiteName(raw: unknown): string | undefined {
  const name = isObject(raw) ? (raw as { name?: unknown }).name : undefined
  return typeof name === 'string' ? name : undefined
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
