// The reporter's per-item path: once a suite is known, the rest of each payload is checked by the
// hand-written item check (src/schema/item-result-check.ts) instead of zod. Its output must equal
// EvalMetaSchema's, and anything it does not accept must still get zod's verdict and error path.
import { describe, expect, test } from 'vitest'
import { EvalMetaParser } from '../../reporter/meta-parser.js'
import { EvalMetaSchema } from '../../src/schema/meta.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'

const meta = (i: number, overrides: Record<string, unknown> = {}, result: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  suite: suiteDef(),
  file: 'evals/faq.eval.ts',
  trials: 1,
  result: { ...itemResult(i), ...result },
  ...overrides,
})

/** A parser that already knows the suite, so the next payload takes the per-item path. */
function warmParser(): EvalMetaParser {
  const parser = new EvalMetaParser()
  if (!parser.parse(meta(0)).success) throw new Error('the warm-up payload should be valid')
  return parser
}

describe('EvalMetaParser, known suite', () => {
  const variants: Record<string, Record<string, unknown>> = {
    plain: meta(1),
    'no file, no tags, no metadata, no expected': (() => {
      const m = meta(2) as Record<string, unknown> & { result: Record<string, unknown> }
      delete m.file
      delete m.result.tags
      delete m.result.metadata
      delete m.result.expected
      return m
    })(),
    'error, tool calls, no usage or cost': meta(
      3,
      { trials: 3 },
      {
        status: 'failed',
        passed: false,
        output: null,
        error: { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at x' },
        toolCalls: [{ name: 'search', arguments: { q: 'x' }, result: ['a'] }, { name: 'noop' }],
        usage: null,
        costUsd: null,
        scores: [],
      },
    ),
  }
  for (const [name, payload] of Object.entries(variants)) {
    test(`equals EvalMetaSchema's output: ${name}`, () => {
      const parsed = warmParser().parse(payload)
      if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues))
      expect(parsed.data).toEqual(EvalMetaSchema.parse(payload))
    })
  }

  test('the item is not deep-copied (its input, output and scores are the payload’s own)', () => {
    const payload = meta(4)
    const parsed = warmParser().parse(payload)
    if (!parsed.success) throw new Error('expected a valid payload')
    expect(parsed.data.result.input).toBe(payload.result.input)
    expect(parsed.data.result.scores).toBe(payload.result.scores)
  })

  test('what the check does not accept gets zod’s verdict and error path', () => {
    const parser = warmParser()
    const badTrace = parser.parse(meta(5, {}, { traceId: 'not-hex' }))
    expect(badTrace.success).toBe(false)
    if (!badTrace.success) expect(badTrace.error.issues[0]?.path).toEqual(['result', 'traceId'])
    const badVersion = parser.parse(meta(6, { schemaVersion: 2 }))
    expect(badVersion.success).toBe(false)
    if (!badVersion.success) expect(badVersion.error.issues[0]?.path).toEqual(['schemaVersion'])
    const badTrials = parser.parse(meta(7, { trials: 1.5 }))
    expect(badTrials.success).toBe(false)
    if (!badTrials.success) expect(badTrials.error.issues[0]?.path).toEqual(['trials'])
    // Unknown keys are left to zod, whatever it decides (the item shape is strict).
    for (const payload of [meta(8, { extra: true }), meta(9, {}, { note: 'x' })]) {
      const fromParser = parser.parse(payload)
      const fromZod = EvalMetaSchema.safeParse(payload)
      expect(fromParser.success).toBe(fromZod.success)
      if (fromParser.success && fromZod.success) expect(fromParser.data).toEqual(fromZod.data)
      if (!fromParser.success && !fromZod.success)
        expect(fromParser.error.issues[0]?.path).toEqual(fromZod.error.issues[0]?.path)
    }
  })
})
