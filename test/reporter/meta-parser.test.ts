import { describe, expect, test } from 'vitest'
import { EvalMetaParser } from '../../reporter/meta-parser.js'
import { EvalMetaSchema } from '../../src/schema/meta.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'

const meta = (i: number, overrides: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  suite: suiteDef(),
  file: 'evals/faq.eval.ts',
  trials: 1,
  result: itemResult(i),
  ...overrides,
})

describe('EvalMetaParser', () => {
  test('parses like EvalMetaSchema, and items of one suite share its parsed definition', () => {
    const parser = new EvalMetaParser()
    const payloads = [meta(0), meta(1)]
    const first = parser.parse(payloads[0])
    const second = parser.parse(payloads[1])
    if (!first.success || !second.success) throw new Error('expected valid payloads')
    expect(first.data).toEqual(EvalMetaSchema.parse(payloads[0]))
    expect(second.data).toEqual(EvalMetaSchema.parse(payloads[1]))
    expect(second.data.suite).toBe(first.data.suite)
  })

  test('a known suite does not excuse the rest of the payload', () => {
    const parser = new EvalMetaParser()
    expect(parser.parse(meta(0)).success).toBe(true)
    const bad = parser.parse(meta(1, { result: { ...itemResult(1), status: 'nope' } }))
    expect(bad.success).toBe(false)
    if (bad.success) return
    expect(bad.error.issues[0]?.path).toEqual(['result', 'status'])
    const noTrials = parser.parse(meta(2, { trials: 0 }))
    expect(noTrials.success).toBe(false)
  })

  test('a different suite definition is validated in full, and a bad one is never cached', () => {
    const parser = new EvalMetaParser()
    expect(parser.parse(meta(0)).success).toBe(true)
    const badSuite = { ...suiteDef(), name: '' }
    for (let i = 0; i < 2; i++) {
      const bad = parser.parse(meta(i, { suite: badSuite }))
      expect(bad.success).toBe(false)
      if (!bad.success) expect(bad.error.issues[0]?.path).toEqual(['suite', 'name'])
    }
    expect(parser.parse(meta(3, { suite: undefined })).success).toBe(false)
    expect(parser.parse(null).success).toBe(false)
  })

  test('a suite of the same name with other content is validated on its own; later changes to a payload match nothing', () => {
    const parser = new EvalMetaParser()
    const first = meta(0)
    const a = parser.parse(first)
    const strictGate = { ...suiteDef(), gate: { passRate: 1 } }
    const b = parser.parse(meta(1, { suite: strictGate }))
    if (!a.success || !b.success) throw new Error('expected valid payloads')
    expect(b.data.suite.gate).toEqual({ passRate: 1 })
    expect(b.data.suite).not.toBe(a.data.suite)
    // a third payload with the second definition shares its parsed definition
    const c = parser.parse(meta(2, { suite: { ...suiteDef(), gate: { passRate: 1 } } }))
    if (!c.success) throw new Error('expected a valid payload')
    expect(c.data.suite).toBe(b.data.suite)
    // the first payload's definition changed (made invalid) after it was parsed: not a known suite
    ;(first.suite as { gate: unknown }).gate = { passRate: 5 }
    const d = parser.parse(meta(3, { suite: first.suite }))
    expect(d.success).toBe(false)
    if (!d.success) expect(d.error.issues[0]?.path).toEqual(['suite', 'gate', 'passRate'])
  })
})
