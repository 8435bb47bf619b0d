import type { z } from 'zod'
import { type EvalMeta, EvalMetaSchema, type SuiteDef } from '../src/schema/meta.js'

const MetaWithoutSuiteSchema = EvalMetaSchema.omit({ suite: true })

export type MetaParseResult =
  | { success: true; data: EvalMeta }
  | { success: false; error: { issues: z.core.$ZodIssue[] } }

/**
 * Validates each test's `meta.evalgate` payload with EvalMetaSchema. A suite definition equal (as
 * JSON) to one already validated is not parsed again: every item of a suite carries the same one,
 * and parsing it was most of the reporter's per-item CPU. Items of one suite share the parsed
 * definition object.
 */
export class EvalMetaParser {
  private readonly suites = new Map<string, SuiteDef>()

  parse(payload: unknown): MetaParseResult {
    const suite =
      typeof payload === 'object' && payload !== null ? (payload as { suite?: unknown }).suite : undefined
    const text = suite === undefined ? undefined : JSON.stringify(suite)
    const known = text === undefined ? undefined : this.suites.get(text)
    if (known) {
      const rest = MetaWithoutSuiteSchema.safeParse(payload)
      return rest.success ? { success: true, data: { ...rest.data, suite: known } } : rest
    }
    const parsed = EvalMetaSchema.safeParse(payload)
    if (parsed.success && text !== undefined) {
      if (this.suites.size > 1000) this.suites.clear()
      this.suites.set(text, parsed.data.suite)
    }
    return parsed
  }
}
