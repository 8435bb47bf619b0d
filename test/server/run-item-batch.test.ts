import { describe, expect, test } from 'vitest'
import { RunItemBatchBodySchema } from '../../src/schema/api.js'
import { parseRunItemBatch, parseValidRunItemBatch } from '../../src/server/http/run-item-batch.js'
import { parseOr400 } from '../../src/server/http/validate.js'
import { ValidationError } from '../../src/server/service/errors.js'
import { itemResult } from '../helpers/fixtures.js'

// The fast check must accept only what RunItemBatchBodySchema accepts, return exactly zod's
// output, and leave every rejected batch to zod (so the 400 and its field path are zod's).

type Json = Record<string, unknown>

function richItem(i: number): Json {
  return {
    ...itemResult(i),
    status: 'failed',
    passed: false,
    output: null,
    // keys out of schema order: zod copies them in schema order, so must the fast path
    error: { message: 'boom', name: 'TypeError', stack: 'at x' },
    usage: null,
    costUsd: null,
    toolCalls: [
      { result: { rows: [1, 2] }, name: 'search', arguments: { q: 'x', deep: [{ a: null }] } },
      { name: 'noop' },
    ],
    scores: [
      {
        metric: 'accuracy',
        score: null,
        passed: null,
        threshold: null,
        inverted: false,
        durationMs: 0,
        error: 'evaluator threw',
        metadata: { nested: { list: [true, 1.5, 'x'] } },
      },
    ],
  }
}

function minimalItem(i: number): Json {
  const { expected: _e, tags: _t, metadata: _m, ...rest } = itemResult(i) as Json
  return { ...rest, scores: [] }
}

const validBatches: [string, () => unknown][] = [
  ['typical items', () => ({ items: [itemResult(0), itemResult(1), itemResult(2)] })],
  ['error, tool calls, null fields, score metadata', () => ({ items: [richItem(0)] })],
  ['no expected / tags / metadata (defaults applied)', () => ({ items: [minimalItem(0)] })],
  [
    'single-turn error without stack',
    () => ({ items: [{ ...richItem(1), error: { name: 'E', message: 'm' } }] }),
  ],
  [
    'JSON values of every kind',
    () => ({ items: [{ ...itemResult(0), input: [1, 'a', true, null, { b: [] }] }] }),
  ],
  [
    'timeout status, zero index/trial/latency',
    () => ({
      items: [{ ...itemResult(0), status: 'timeout', index: 0, trial: 0, latencyMs: 0 }],
    }),
  ],
  ['a 500-character item id', () => ({ items: [{ ...itemResult(0), itemId: 'x'.repeat(500) }] })],
]

/** Deep copy of plain objects and arrays; anything else (functions, Dates) is shared. */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      // defineProperty: an own `__proto__` key stays a key
      const v = clone((value as Record<string, unknown>)[key])
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
    }
    return out as T
  }
  return value
}

function zodParse(body: unknown) {
  return RunItemBatchBodySchema.safeParse(clone(body))
}

/**
 * The fields the store serialises with JSON.stringify (item and score objects themselves are read
 * field by field, so their key order does not matter; these must serialise identically).
 */
function storedJson(batch: unknown): string {
  const { items } = batch as { items: Json[] }
  return JSON.stringify(
    items.map((it) => [
      it.input,
      it.expected,
      it.tags,
      it.metadata,
      it.output,
      it.error,
      it.toolCalls,
      (it.scores as Json[]).map((s) => s.metadata),
    ]),
  )
}

/** The 400 the route answers for `body`, or the parsed batch. */
function routeResult(parse: (b: unknown) => unknown, body: unknown) {
  try {
    return { ok: true, value: parse(body) }
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError)
    const e = err as ValidationError
    return { ok: false, message: e.message, path: (e as { path?: string }).path }
  }
}

function expectAgreement(body: unknown) {
  const zod = zodParse(body)
  const fast = parseValidRunItemBatch(clone(body))
  if (fast !== undefined) {
    expect(zod.success).toBe(true)
    expect(fast).toStrictEqual(zod.data)
    expect(storedJson(fast)).toBe(storedJson(zod.data))
  }
  if (!zod.success) expect(fast).toBeUndefined()
  // whatever path is taken, the route answers exactly what zod alone would
  const viaRoute = routeResult(parseRunItemBatch, clone(body))
  const viaZod = routeResult((b) => parseOr400(RunItemBatchBodySchema, b, 'body'), clone(body))
  expect(viaRoute.ok).toBe(viaZod.ok)
  if (viaRoute.ok) {
    expect(viaRoute.value).toStrictEqual(viaZod.value)
    expect(storedJson(viaRoute.value)).toBe(storedJson(viaZod.value))
  } else
    expect({ message: viaRoute.message, path: viaRoute.path }).toEqual({
      message: viaZod.message,
      path: viaZod.path,
    })
  return { zod, fast }
}

describe('run-item batch fast validation', () => {
  test.each(validBatches)('%s: accepted by the fast path, same output as zod', (_name, make) => {
    const body = make()
    const { zod, fast } = expectAgreement(body)
    expect(zod.success).toBe(true)
    expect(fast).toBeDefined()
  })

  test('defaults: a missing tags / metadata becomes [] / {} as with zod', () => {
    const fast = parseValidRunItemBatch({ items: [minimalItem(0)] })
    expect(fast?.items[0]?.tags).toEqual([])
    expect(fast?.items[0]?.metadata).toEqual({})
  })

  const invalid: [string, (b: { items: Json[] }) => unknown][] = [
    ['not an object', () => [1, 2]],
    ['no items', () => ({})],
    ['empty items', () => ({ items: [] })],
    ['an extra top-level key', (b) => ({ ...b, more: 1 })],
    ['items not an array', () => ({ items: { 0: itemResult(0) } })],
    ['too many items', (b) => ({ items: Array.from({ length: 5001 }, () => b.items[0]) })],
    ['an item that is null', (b) => ({ items: [b.items[0], null] })],
    [
      'wrong latency type in the second item',
      (b) => ({ items: [b.items[0], { ...b.items[1], latencyMs: 'fast' }] }),
    ],
    ['missing traceId', (b) => ({ items: [{ ...b.items[0], traceId: undefined }] })],
    ['upper-case traceId', (b) => ({ items: [{ ...b.items[0], traceId: 'A'.repeat(32) }] })],
    ['short spanId', (b) => ({ items: [{ ...b.items[0], spanId: 'abc' }] })],
    [
      'score above 1',
      (b) => ({ items: [{ ...b.items[0], scores: [{ ...(b.items[0]!.scores as Json[])[0], score: 7 }] }] }),
    ],
    [
      'score metric empty',
      (b) => ({ items: [{ ...b.items[0], scores: [{ ...(b.items[0]!.scores as Json[])[0], metric: '' }] }] }),
    ],
    [
      'score without durationMs',
      (b) => {
        const { durationMs: _d, ...s } = (b.items[0]!.scores as Json[])[0]!
        return { items: [{ ...b.items[0], scores: [s] }] }
      },
    ],
    ['negative index', (b) => ({ items: [{ ...b.items[0], index: -1 }] })],
    ['fractional trial', (b) => ({ items: [{ ...b.items[0], trial: 0.5 }] })],
    ['unknown status', (b) => ({ items: [{ ...b.items[0], status: 'done' }] })],
    ['empty item id', (b) => ({ items: [{ ...b.items[0], itemId: '' }] })],
    ['501-character item id', (b) => ({ items: [{ ...b.items[0], itemId: 'x'.repeat(501) }] })],
    ['NaN in input', (b) => ({ items: [{ ...b.items[0], input: { a: [1, Number.NaN] } }] })],
    ['a Date in output', (b) => ({ items: [{ ...b.items[0], output: { at: new Date(0) } }] })],
    ['metadata an array', (b) => ({ items: [{ ...b.items[0], metadata: [1] }] })],
    ['a non-string tag', (b) => ({ items: [{ ...b.items[0], tags: ['a', 2] }] })],
    [
      'usage with negative tokens',
      (b) => ({ items: [{ ...b.items[0], usage: { inputTokens: -1, outputTokens: 1 } }] }),
    ],
    ['usage missing a field', (b) => ({ items: [{ ...b.items[0], usage: { inputTokens: 1 } }] })],
    ['negative cost', (b) => ({ items: [{ ...b.items[0], costUsd: -0.1 }] })],
    ['error without message', (b) => ({ items: [{ ...b.items[0], error: { name: 'E' } }] })],
    ['a tool call without name', (b) => ({ items: [{ ...b.items[0], toolCalls: [{ arguments: {} }] }] })],
    [
      'a tool call with a function argument',
      (b) => ({ items: [{ ...b.items[0], toolCalls: [{ name: 'x', arguments: () => 1 }] }] }),
    ],
    ['passed a string', (b) => ({ items: [{ ...b.items[0], passed: 'yes' }] })],
    [
      'scores missing',
      (b) => {
        const { scores: _s, ...rest } = b.items[0]!
        return { items: [rest] }
      },
    ],
  ]

  test.each(invalid)('%s: rejected, with zod’s error', (_name, mutate) => {
    const body = mutate({ items: [itemResult(0) as Json, itemResult(1) as Json] })
    const { zod, fast } = expectAgreement(body)
    expect(zod.success).toBe(false)
    expect(fast).toBeUndefined()
  })

  test('the first bad field is the one reported (as by zod)', () => {
    const second = itemResult(1) as Json
    const scores = clone(second.scores) as Json[]
    scores[1]!.score = 7
    const body = { items: [itemResult(0), { ...second, scores, latencyMs: -1 }] }
    expect(() => parseRunItemBatch(body)).toThrow(ValidationError)
    const err = routeResult(parseRunItemBatch, body)
    expect(err.ok).toBe(false)
    expect(err.path).toBe(zodPath(body))
    expect(err.path).toMatch(/^items\.1\./)
  })

  test('valid but unusual input (unknown keys zod strips, undefined values, __proto__ / constructor keys) is left to zod', () => {
    const cases: unknown[] = [
      { items: [{ ...itemResult(0), extra: 1 }] },
      { items: [{ ...itemResult(0), expected: undefined }] },
      { items: [{ ...itemResult(0), metadata: JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Json }] },
      { items: [{ ...itemResult(0), metadata: { constructor: 'x' } }] },
      { items: [{ ...itemResult(0), error: { name: 'E', message: 'm', code: 1 } }] },
    ]
    for (const body of cases) {
      expect(parseValidRunItemBatch(clone(body))).toBeUndefined()
      expectAgreement(body)
    }
  })

  test('every field, replaced by values of every kind: both paths agree', () => {
    const candidates: unknown[] = [
      undefined,
      null,
      true,
      0,
      -1,
      0.5,
      1,
      2,
      2 ** 53,
      Number.POSITIVE_INFINITY,
      '',
      'x',
      'completed',
      'a'.repeat(32),
      'a'.repeat(16),
      [],
      ['x'],
      [1],
      {},
      { a: 1 },
      { name: 'n', message: 'm' },
      { inputTokens: 1, outputTokens: 2 },
    ]
    let fastAccepted = 0
    let checked = 0
    const base = richItem(0)
    const plain = itemResult(1) as Json
    for (const item of [base, plain, minimalItem(2)]) {
      const paths = leafPaths(item)
      for (const path of paths) {
        for (const value of candidates) {
          const mutated = clone(item)
          setPath(mutated, path, value)
          const { fast } = expectAgreement({ items: [mutated] })
          if (fast !== undefined) fastAccepted++
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(500)
    expect(fastAccepted).toBeGreaterThan(50)
  })
})

function zodPath(body: unknown): string | undefined {
  const r = RunItemBatchBodySchema.safeParse(body)
  return r.success ? undefined : r.error.issues[0]!.path.join('.')
}

/** Paths of every field and nested field of `value` (objects and arrays themselves included). */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = []
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
    for (const [key, v] of entries) {
      out.push([...prefix, key])
      out.push(...leafPaths(v, [...prefix, key]))
    }
  }
  return out
}

function setPath(target: Json, path: (string | number)[], value: unknown) {
  let node: Record<string | number, unknown> = target
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  node[path[path.length - 1]!] = value
}
