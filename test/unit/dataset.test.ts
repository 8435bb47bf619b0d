import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import canonicalize from 'canonicalize'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DatasetError, dataset, datasetVersion, itemId } from '../../src/dataset/index.js'
import { parseValidItem, validateWithZod } from '../../src/dataset/item-schema.js'
import { canonicalJson } from '../../src/util/canonical-json.js'
import { contentHash } from '../../src/util/hash.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evalgate-dataset-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

async function loadError(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DatasetError)
  return error as DatasetError
}

describe('canonicalJson', () => {
  test('sorts keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}')
  })
  test('drops undefined object values, nulls them in arrays, honours toJSON', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}')
    expect(canonicalJson({ d: new Date(0) })).toBe('{"d":"1970-01-01T00:00:00.000Z"}')
  })
  test('throws on cycles, also through objects whose keys need sorting', () => {
    const a: Record<string, unknown> = {}
    a.self = a
    expect(() => canonicalJson(a)).toThrow(/ircular/)
    const b: Record<string, unknown> = { z: 1 }
    b.a = { back: b }
    expect(() => canonicalJson(b)).toThrow(/ircular/)
  })
  test('keys are sorted by UTF-16 code units (RFC 8785), integer-like keys too', () => {
    expect(canonicalJson({ b: 1, 10: 'x', a: 2, 2: 'y' })).toBe('{"10":"x","2":"y","a":2,"b":1}')
    expect(canonicalJson({ a: 2, 2: 'y', b: 1, 10: 'x' })).toBe(
      canonicalJson({ 10: 'x', b: 1, 2: 'y', a: 2 }),
    )
  })
  test('RFC 8785 number and string forms; lone surrogates do not throw', () => {
    expect(canonicalJson({ n: [1e21, 1.5e-7, 100, 0.1] })).toBe('{"n":[1e+21,1.5e-7,100,0.1]}')
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, ö: 3 })).toBe('{"\\r":2,"ö":3,"€":1}')
    expect(canonicalJson(['\ud800'])).toBe('["\ufffd"]')
  })
  test('non-finite numbers, BigInt and top-level undefined', () => {
    expect(canonicalJson([Number.NaN, Number.POSITIVE_INFINITY, -0])).toBe('[null,null,0]')
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError)
    expect(canonicalJson(undefined)).toBe('undefined')
  })
})

describe('canonicalJson: the JSON.stringify shortcut for values already in canonical order', () => {
  // A small seeded generator (mulberry32), so a failure reproduces.
  function random(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
  const KEYS = [
    'a',
    'b',
    'B',
    'aa',
    '',
    '0',
    '1',
    '2',
    '10',
    'ö',
    '€',
    '\r',
    '\ud83d\ude00',
    'id',
    'input',
    'z',
  ]
  const STRINGS = ['', 'x', 'quote " and \\', 'line\nbreak', '\u0001', 'é€😀', '\u2028']
  const NUMBERS = [0, -0, 1, -1.5, 0.1, 1e21, 1.5e-7, 2 ** 53, -(2 ** 31), 123456.789]

  function value(next: () => number, depth: number): unknown {
    const r = next()
    if (depth > 3 || r < 0.45) {
      const p = next()
      if (p < 0.4) return STRINGS[Math.floor(next() * STRINGS.length)]
      if (p < 0.8) return NUMBERS[Math.floor(next() * NUMBERS.length)]
      if (p < 0.9) return next() < 0.5
      return null
    }
    if (r < 0.65) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1))
    // Keys in a random order, or sorted (the shortcut's case), sometimes with a null prototype.
    const keys = [
      ...new Set(
        Array.from({ length: Math.floor(next() * 5) }, () => KEYS[Math.floor(next() * KEYS.length)]!),
      ),
    ]
    if (next() < 0.5) keys.sort()
    const object: Record<string, unknown> = next() < 0.1 ? Object.create(null) : {}
    for (const key of keys) object[key] = value(next, depth + 1)
    return object
  }

  test('gives the library’s text for thousands of generated values, sorted and unsorted', () => {
    const next = random(20261129)
    let sortedObjects = 0
    for (let i = 0; i < 5000; i++) {
      const v = value(next, 0)
      expect(canonicalJson(v)).toBe(canonicalize(v))
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && JSON.stringify(v) === canonicalize(v))
        sortedObjects++
    }
    expect(sortedObjects).toBeGreaterThan(500)
  })

  test('leaves to the library what JSON.stringify writes differently', () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}')
    expect(canonicalJson({ a: 1, 10: 2, 9: 3 })).toBe('{"10":2,"9":3,"a":1}')
    const holey = [1, 2, 3]
    delete holey[1]
    expect(canonicalJson({ a: holey })).toBe('{"a":[1,null,3]}')
    expect(canonicalJson({ a: { toJSON: () => 'x' } })).toBe('{"a":"x"}')
    expect(canonicalJson(Object.assign([1], { toJSON: () => ({ b: 1, a: 2 }) }))).toBe('{"a":2,"b":1}')
    expect(canonicalJson({ a: '\udc00' })).toBe('{"a":"\ufffd"}')
    expect(canonicalJson({ a: Number.NaN })).toBe('{"a":null}')
    const deep: unknown[] = []
    let tail = deep
    for (let i = 0; i < 100; i++) {
      const inner: unknown[] = []
      tail.push(inner)
      tail = inner
    }
    expect(canonicalJson(deep)).toBe(`${'['.repeat(101)}${']'.repeat(101)}`)
  })
})

describe('dataset.inline', () => {
  test('loads items with defaults, content ids and a version', async () => {
    const loaded = await dataset
      .inline('math', [
        { input: '1+1', expected: '2' },
        { input: '2+2', tags: ['t'] },
      ])
      .load()
    expect(loaded.name).toBe('math')
    expect(loaded.source).toBe('inline')
    expect(loaded.turnType).toBe('single')
    expect(loaded.items).toHaveLength(2)
    expect(loaded.items[0]).toEqual({
      id: itemId({ input: '1+1', expected: '2' }),
      index: 0,
      input: '1+1',
      expected: '2',
      tags: [],
      metadata: {},
    })
    expect(loaded.items[0]!.id).toMatch(/^[0-9a-f]{16}$/)
    expect(loaded.items[1]).not.toHaveProperty('expected')
    expect(loaded.version).toMatch(/^[0-9a-f]{16}$/)
  })

  test('content ids ignore key order and position; explicit ids are kept', async () => {
    const a = await dataset
      .inline('d', [
        { input: { q: 1, r: 2 }, expected: 'x' },
        { id: 'mine', input: 'y' },
      ])
      .load()
    const b = await dataset
      .inline('d', [
        { id: 'mine', input: 'y' },
        { input: { r: 2, q: 1 }, expected: 'x' },
      ])
      .load()
    expect(b.items[1]!.id).toBe(a.items[0]!.id)
    expect(b.items.map((i) => i.id).sort()).toEqual(a.items.map((i) => i.id).sort())
    expect(a.items[1]!.id).toBe('mine')
    // reordering changes the version (it is ordered), content changes do too
    expect(a.version).not.toBe(b.version)
    const c = await dataset
      .inline('d', [
        { input: { q: 1, r: 2 }, expected: 'x' },
        { id: 'mine', input: 'y' },
      ])
      .load()
    expect(c.version).toBe(a.version)
    const d = await dataset
      .inline('d', [
        { input: { q: 1, r: 2 }, expected: 'x!' },
        { id: 'mine', input: 'y' },
      ])
      .load()
    expect(d.version).not.toBe(a.version)
    expect(d.items[0]!.id).not.toBe(a.items[0]!.id)
  })

  test('ids and version are the documented content hashes', async () => {
    const loaded = await dataset
      .inline('d', [
        { input: { z: 1, a: [2] }, expected: { y: 'x', b: null }, tags: ['t'], metadata: { m: 1, a: 'b' } },
        { id: 'own', input: 'q' },
      ])
      .load()
    expect(loaded.items[0]!.id).toBe(contentHash({ input: { a: [2], z: 1 }, expected: { b: null, y: 'x' } }))
    expect(loaded.items[0]!.id).toBe(itemId({ input: { z: 1, a: [2] }, expected: { y: 'x', b: null } }))
    const expectedVersion = contentHash(
      loaded.items.map((i) => ({
        id: i.id,
        input: i.input,
        expected: i.expected,
        tags: i.tags,
        metadata: i.metadata,
      })),
    )
    expect(loaded.version).toBe(expectedVersion)
    expect(datasetVersion(loaded.items)).toBe(expectedVersion)
  })

  test('ids and version stay the values stored runs were keyed by (computed with 0.1.0 at 2696d9e)', async () => {
    const loaded = await dataset
      .inline('golden', [
        {
          input: { question: 'What is 2 + 2?', context: ['math', 'ö€'] },
          expected: '4',
          tags: ['arith'],
          metadata: { source: 'x', level: 1 },
        },
        { input: 'plain text input' },
        { id: 'own-id', input: { b: [1, { d: null, c: true }], a: -0.5 }, expected: { z: 1e21 } },
        { input: 'plain text input' },
      ])
      .load()
    expect(loaded.items.map((i) => i.id)).toEqual([
      '6eaab31b83c885d8',
      '88668d2594efaeb1',
      'own-id',
      '88668d2594efaeb1~2',
    ])
    expect(loaded.version).toBe('e20cc4361b9e26a6')
  })

  test('identical items without ids get deterministic suffixes', async () => {
    const loaded = await dataset
      .inline('d', [{ input: 'same' }, { input: 'other' }, { input: 'same' }, { input: 'same' }])
      .load()
    const base = itemId({ input: 'same' })
    expect(loaded.items.map((i) => i.id)).toEqual([
      base,
      itemId({ input: 'other' }),
      `${base}~2`,
      `${base}~3`,
    ])
    expect(new Set(loaded.items.map((i) => i.id)).size).toBe(4)
  })

  test('a content id colliding with an explicit id is suffixed', async () => {
    const collide = itemId({ input: 'a' })
    const loaded = await dataset.inline('d', [{ input: 'a' }, { id: collide, input: 'b' }]).load()
    expect(loaded.items[0]!.id).toBe(`${collide}~2`)
    expect(loaded.items[1]!.id).toBe(collide)
  })

  test('duplicate explicit ids name both positions', async () => {
    const error = await loadError(
      dataset.inline('d', [{ id: 'q1', input: 'a' }, { input: 'b' }, { id: 'q1', input: 'c' }]).load(),
    )
    expect(error.message).toContain('items[2]: "id" duplicates id "q1" already used at items[0]')
  })

  test('reports field problems with index and path, up to five at once', async () => {
    const items = [
      { input: 'ok' },
      { expected: 'no input' },
      { input: 'x', tags: 'billing' },
      { input: 'x', tags: ['a', 3] },
      { input: { n: Number.NaN } },
      { input: 'x', expectd: 'typo' },
      { input: 'x', metadata: [] },
      { input: 'x', id: '' },
    ]
    const error = await loadError(dataset.inline('faq', items as never).load())
    expect(error.problemCount).toBe(7)
    expect(error.problems).toHaveLength(5)
    expect(error.message).toContain('dataset "faq" (inline) has 7 problems (first 5 shown):')
    expect(error.message).toContain('items[1]: "input" is required')
    expect(error.message).toContain('items[2]: "tags" expected an array, got string ("billing")')
    expect(error.message).toContain('items[3]: "tags[1]" expected a string, got number (3)')
    expect(error.message).toContain('items[4]: "input.n" NaN is not a JSON number')
    expect(error.message).toContain('items[5]: "expectd" is not an item field')
    expect(error.message).not.toContain('items[6]')
  })

  test('non-JSON inputs are rejected with their path', async () => {
    const error = await loadError(dataset.inline('d', [{ input: { when: new Date(0) } }] as never).load())
    expect(error.message).toContain('items[0]: "input.when" a Date instance is not a JSON value')
  })

  test('an empty dataset is an error', async () => {
    const error = await loadError(dataset.inline('empty', []).load())
    expect(error.message).toBe('dataset "empty" (inline) is empty: it has no items')
  })

  test('bad definitions fail at once', () => {
    expect(() => dataset.inline('', [])).toThrow(/name must be a non-empty string/)
    expect(() => dataset.inline('d', 'nope' as never)).toThrow(
      'dataset "d": items must be an array, got string ("nope")',
    )
    expect(() => dataset.inline('d', [], { turnType: 'many' as never })).toThrow(/option "turnType"/)
    expect(() => dataset.inline('d', [], { turntype: 'multi' } as never)).toThrow(
      'dataset "d": option "turntype" is not a known option',
    )
  })

  test('load() is cached', async () => {
    const ds = dataset.inline('d', [{ input: 1 }])
    expect(await ds.load()).toBe(await ds.load())
  })
})

describe('multi-turn', () => {
  const conversation = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hi' },
  ]
  test('accepts lists of chat messages', async () => {
    const loaded = await dataset
      .inline('chat', [{ input: conversation, expected: 'hello' }], { turnType: 'multi' })
      .load()
    expect(loaded.turnType).toBe('multi')
    expect(loaded.items[0]!.input).toEqual(conversation)
  })
  test('rejects non-message inputs naming the field', async () => {
    const error = await loadError(
      dataset
        .inline(
          'chat',
          [
            { input: 'hi' },
            { input: [{ role: 'robot', content: 'x' }] },
            { input: [{ role: 'user' }] },
            { input: [] },
          ] as never,
          { turnType: 'multi' },
        )
        .load(),
    )
    expect(error.message).toContain(
      'items[0]: "input" expected an array, got string ("hi") (a multi-turn dataset',
    )
    expect(error.message).toContain(
      'items[1]: "input[0].role" must be one of "system", "user", "assistant", "tool", got string ("robot")',
    )
    expect(error.message).toContain('items[2]: "input[0].content" is required')
    expect(error.message).toContain('items[3]: "input" must hold at least one chat message')
  })
})

describe('item validation fast path', () => {
  // Valid items skip zod for speed; whatever the fast path accepts, zod must accept identically.
  const valid: [unknown, 'single' | 'multi'][] = [
    [{ input: 'a' }, 'single'],
    [{ input: null, expected: [1, { b: true }] }, 'single'],
    [{ id: 'x', input: { deep: [[1]] }, tags: ['a'], metadata: { k: { n: 1.5 } } }, 'single'],
    [{ input: [{ role: 'user', content: 'hi', name: 'bob' }], expected: 'hey' }, 'multi'],
    [{ input: [{ role: 'tool', content: '{}', toolCallId: 'c1' }] }, 'multi'],
  ]
  test.each(valid)('%j (%s) is accepted by both', (raw, turnType) => {
    const fast = parseValidItem(raw, turnType)
    expect(fast).toBeDefined()
    expect(validateWithZod(raw, turnType)).toEqual({ ok: true, item: fast })
  })
  const invalid: [unknown, 'single' | 'multi'][] = [
    [{ input: 'a', extra: 1 }, 'single'],
    [{ input: undefined }, 'single'],
    [{ input: 'a', id: '' }, 'single'],
    [{ input: 'a', tags: [''] }, 'single'],
    [{ input: 'a', metadata: new Map() }, 'single'],
    [{ input: [{ role: 'user', content: 'x', tool_calls: [] }] }, 'multi'],
    [{ input: [{ role: 'bot', content: 'x' }] }, 'multi'],
    [{ input: [] }, 'multi'],
  ]
  test.each(invalid)('%j (%s) is rejected by both', (raw, turnType) => {
    expect(parseValidItem(raw, turnType)).toBeUndefined()
    expect(validateWithZod(raw, turnType).ok).toBe(false)
  })
  test('unknown chat message fields are reported, not dropped', async () => {
    const error = await loadError(
      dataset
        .inline('chat', [{ input: [{ role: 'user', content: 'x', tool_calls: [] }] }] as never, {
          turnType: 'multi',
        })
        .load(),
    )
    expect(error.message).toContain('items[0]: "input[0].tool_calls" is not an allowed field here')
  })
})

describe('withTags', () => {
  const ds = dataset.inline('faq', [
    { input: 'a', tags: ['billing'] },
    { input: 'b', tags: ['shipping', 'intl'] },
    { input: 'c' },
    { input: 'd', tags: ['intl'] },
  ])
  test('selects items having any of the tags, keeping ids and indexes', async () => {
    const all = await ds.load()
    const intl = await ds.withTags('intl').load()
    expect(intl.items.map((i) => i.input)).toEqual(['b', 'd'])
    expect(intl.items.map((i) => i.index)).toEqual([1, 3])
    expect(intl.items[0]!.id).toBe(all.items[1]!.id)
    expect(intl.version).not.toBe(all.version)
    const either = await ds.withTags('billing', 'intl').load()
    expect(either.items.map((i) => i.input)).toEqual(['a', 'b', 'd'])
    const both = await ds.withTags('billing', 'intl').withTags('shipping').load()
    expect(both.items.map((i) => i.input)).toEqual(['b'])
  })
  test('selecting nothing is an error listing the tags present', async () => {
    const error = await loadError(ds.withTags('nope').load())
    expect(error.message).toContain(
      'no item has any of the tags "nope" (tags present: "billing", "intl", "shipping")',
    )
  })
  test('withTags() needs tags', () => {
    expect(() => ds.withTags()).toThrow(/at least one tag/)
    expect(() => ds.withTags(3 as never)).toThrow(/non-empty strings, got number \(3\)/)
  })
})

describe('dataset.jsonl', () => {
  test('reads items, skipping blank lines, from a path or a file URL', async () => {
    const path = await file(
      'faq.jsonl',
      '{"input":"a","expected":"A"}\n\n  \n{"input":"b","tags":["x"],"metadata":{"k":1}}\r\n',
    )
    for (const source of [path, pathToFileURL(path), pathToFileURL(path).href]) {
      const loaded = await dataset.jsonl('faq', source).load()
      expect(loaded.items.map((i) => i.input)).toEqual(['a', 'b'])
      expect(loaded.items[1]!.metadata).toEqual({ k: 1 })
      expect(loaded.source).toBe(path)
    }
  })

  test('renaming the file or reordering lines keeps ids; the version follows content', async () => {
    const one = await file('one.jsonl', '{"input":"a"}\n{"input":"b","expected":1}\n')
    const two = await file('two.jsonl', '{"input":"b","expected":1}\n{"input":"a"}\n')
    const a = await dataset.jsonl('x', one).load()
    const b = await dataset.jsonl('x', two).load()
    expect(new Set(b.items.map((i) => i.id))).toEqual(new Set(a.items.map((i) => i.id)))
    const inline = await dataset.inline('x', [{ input: 'a' }, { input: 'b', expected: 1 }]).load()
    expect(inline.version).toBe(a.version)
  })

  test('names the line of malformed JSON and of invalid fields', async () => {
    const path = await file(
      'bad.jsonl',
      [
        '{"input":"ok"}',
        '{"input": "x",',
        '',
        '{"expected":"y"}',
        '["not an object"]',
        '{"input":"z","tags":[1]}',
      ].join('\n'),
    )
    const error = await loadError(dataset.jsonl('bad', path).load())
    expect(error.message).toContain(`dataset "bad" (${path}) has 4 problems:`)
    expect(error.message).toMatch(new RegExp(`${escapeRegExp(path)}:2: invalid JSON: `))
    expect(error.message).toContain(`${path}:4: "input" is required`)
    expect(error.message).toContain(`${path}:5: expected an object with an "input" field, got array`)
    expect(error.message).toContain(`${path}:6: "tags[0]" expected a string, got number (1)`)
  })

  test('duplicate explicit ids name both lines', async () => {
    const path = await file('dup.jsonl', '{"id":"q","input":1}\n{"id":"r","input":2}\n{"id":"q","input":3}\n')
    const error = await loadError(dataset.jsonl('dup', path).load())
    expect(error.message).toContain(`${path}:3: "id" duplicates id "q" already used at ${path}:1`)
  })

  test('a missing file or a file with only blank lines is an error', async () => {
    const missing = join(dir, 'missing.jsonl')
    const error = await loadError(dataset.jsonl('m', missing).load())
    expect(error.message).toBe(`dataset "m": cannot read ${missing}: no such file (ENOENT)`)
    const blank = await file('blank.jsonl', '\n\n')
    expect((await loadError(dataset.jsonl('b', blank).load())).message).toContain('is empty')
  })

  test('only file: URLs and path strings are accepted', () => {
    expect(() => dataset.jsonl('x', new URL('https://example.com/x.jsonl'))).toThrow(/only file: URLs/)
    expect(() => dataset.jsonl('x', 42 as never)).toThrow(/path string or a file: URL, got number/)
  })

  test('paths inside the working directory are shown relative to it', async () => {
    const loaded = await dataset
      .jsonl('x', new URL('../../package.json', import.meta.url))
      .load()
      .catch((e: Error) => e)
    expect((loaded as Error).message).toMatch(/^dataset "x" \(package\.json\) has/)
  })
})

describe('dataset.json', () => {
  test('reads an array or { items }', async () => {
    const arr = await file('arr.json', JSON.stringify([{ input: 1 }, { input: 2 }]))
    const obj = await file(
      'obj.json',
      JSON.stringify({ name: 'ignored', items: [{ input: 1 }, { input: 2 }] }),
    )
    const a = await dataset.json('n', arr).load()
    const b = await dataset.json('n', obj).load()
    expect(a.items.map((i) => i.input)).toEqual([1, 2])
    expect(b.version).toBe(a.version)
  })
  test('names the index and field, and malformed JSON names the file', async () => {
    const bad = await file('bad.json', JSON.stringify({ items: [{ input: 1 }, { input: 2, tags: 'x' }] }))
    expect((await loadError(dataset.json('n', bad).load())).message).toContain(
      `${bad}: items[1]: "tags" expected an array, got string ("x")`,
    )
    const broken = await file('broken.json', '{"items": [')
    expect((await loadError(dataset.json('n', broken).load())).message).toMatch(
      /broken\.json: invalid JSON: /,
    )
    const wrong = await file('wrong.json', '{"rows": []}')
    expect((await loadError(dataset.json('n', wrong).load())).message).toContain(
      'must be an array of items or an object { "items": [...] }',
    )
  })
})

describe('dataset.csv', () => {
  test('reads input, expected, id, tags and metadata columns', async () => {
    const path = await file(
      'faq.csv',
      [
        'id,input,expected,tags,metadata.source,metadata',
        'q1,What is 2+2?,4,math|easy ,book,"{""level"":1}"',
        ',"multi',
        'line, with comma",,,,',
        '',
        'q3,Hello,,greeting,,',
      ].join('\n'),
    )
    const loaded = await dataset.csv('faq', path).load()
    expect(loaded.items).toHaveLength(3)
    expect(loaded.items[0]).toMatchObject({
      id: 'q1',
      input: 'What is 2+2?',
      expected: '4',
      tags: ['math', 'easy'],
      metadata: { level: 1, source: 'book' },
    })
    expect(loaded.items[1]!.input).toBe('multi\nline, with comma')
    expect(loaded.items[1]!.id).toBe(itemId({ input: 'multi\nline, with comma' }))
    expect(loaded.items[1]).not.toHaveProperty('expected')
    expect(loaded.items[2]).toMatchObject({ id: 'q3', tags: ['greeting'], metadata: {} })
  })

  test('maps column names and tag separators', async () => {
    const path = await file('mapped.csv', 'question;answer;labels\nWhy?;Because;a,b\n')
    const loaded = await dataset
      .csv('m', path, {
        delimiter: ';',
        tagSeparator: ',',
        columns: { input: 'question', expected: 'answer', tags: 'labels' },
      })
      .load()
    expect(loaded.items[0]).toMatchObject({ input: 'Why?', expected: 'Because', tags: ['a', 'b'] })
  })

  test('cells stay strings unless parseJson says otherwise', async () => {
    const path = await file(
      'json.csv',
      'input,expected,metadata.extra\n"{""a"":1}","[1,2]",42\n[x,"{""b"":true}",true\n',
    )
    const plain = await dataset.csv('j', path).load()
    expect(plain.items[0]).toMatchObject({ input: '{"a":1}', expected: '[1,2]', metadata: { extra: '42' } })
    const some = await loadError(dataset.csv('j', path, { parseJson: ['input'] }).load())
    expect(some.message).toContain(`${path}:3: "input" is not valid JSON:`)
    const ok = await file(
      'json-ok.csv',
      'input,expected,metadata.extra\n"{""a"":1}","[1,2]","{""c"":null}"\nplain,42,true\n',
    )
    const parsed = await dataset.csv('j', ok, { parseJson: true }).load()
    expect(parsed.items[0]).toMatchObject({
      input: { a: 1 },
      expected: [1, 2],
      metadata: { extra: { c: null } },
    })
    expect(parsed.items[1]).toMatchObject({ input: 'plain', expected: '42', metadata: { extra: 'true' } })
  })

  test('multi-turn CSV reads the input as JSON chat messages', async () => {
    const path = await file(
      'chat.csv',
      'input,expected\n"[{""role"":""user"",""content"":""hi""}]",hello\nhi,x\n',
    )
    const error = await loadError(
      dataset.csv('chat', path, { turnType: 'multi', parseJson: ['input'] }).load(),
    )
    expect(error.problemCount).toBe(1)
    expect(error.message).toContain(`${path}:3: "input" expected an array, got string ("hi")`)
  })

  test('errors name the line of the record (including records after multi-line cells)', async () => {
    const path = await file(
      'bad.csv',
      ['input,expected,id,metadata', '"a\nb",x,k,', 'c,y,k,', ',z,,', 'd,w,,{oops', 'e,v,,[1]'].join('\r\n'),
    )
    const error = await loadError(dataset.csv('bad', path).load())
    expect(error.message).toContain(`${path}:4: "id" duplicates id "k" already used at ${path}:2`)
    expect(error.message).toContain(`${path}:5: "input" is required`)
    expect(error.message).toContain(`${path}:6: "metadata" is not valid JSON`)
    expect(error.message).toContain(`${path}:7: "metadata" must be a JSON object`)
  })

  test('line numbers stay right after blank lines and multi-line cells, without a final newline', async () => {
    const path = await file('lines.csv', ['input,tags', 'a,', '', '"b', '', 'c",x', '', '', ',y'].join('\n'))
    const error = await loadError(dataset.csv('l', path).load())
    expect(error.problems).toEqual([{ location: `${path}:9`, field: 'input', message: 'is required' }])
    const ok = await file('lines-ok.csv', ['input,tags', 'a,', '', '"b', '', 'c",x'].join('\n'))
    expect((await dataset.csv('l', ok).load()).items.map((i) => i.input)).toEqual(['a', 'b\n\nc'])
  })

  test('structural CSV errors name the line', async () => {
    const path = await file('ragged.csv', 'input,expected\na,b\nc\n')
    const error = await loadError(dataset.csv('r', path).load())
    expect(error.message).toMatch(new RegExp(`^dataset "r": ${escapeRegExp(path)}:3: Invalid Record Length`))
  })

  test('header problems are reported against line 1', async () => {
    const unknown = await file('unknown.csv', 'input,notes\na,b\n')
    expect((await loadError(dataset.csv('u', unknown).load())).message).toContain(
      `${unknown}:1 (header): unknown column "notes"`,
    )
    const asMeta = await dataset.csv('u', unknown, { extraColumns: 'metadata' }).load()
    expect(asMeta.items[0]!.metadata).toEqual({ notes: 'b' })
    const ignored = await dataset.csv('u', unknown, { extraColumns: 'ignore' }).load()
    expect(ignored.items[0]!.metadata).toEqual({})
    const noInput = await file('noinput.csv', 'question,expected\na,b\n')
    expect((await loadError(dataset.csv('n', noInput).load())).message).toContain('no "input" column')
    const dup = await file('dup.csv', 'input,input\na,b\n')
    expect((await loadError(dataset.csv('d', dup).load())).message).toContain('column "input" appears twice')
    const headerOnly = await file('header.csv', 'input,expected\n')
    expect((await loadError(dataset.csv('h', headerOnly).load())).message).toContain('is empty')
  })

  test('bad CSV options fail at definition', () => {
    expect(() => dataset.csv('c', 'x.csv', { columns: { answer: 'x' } } as never)).toThrow(/option "columns/)
    expect(() => dataset.csv('c', 'x.csv', { parseJson: 'yes' } as never)).toThrow(/option "parseJson"/)
  })
})

describe('dataset.loader', () => {
  test('loads items from an async function, once', async () => {
    let calls = 0
    const ds = dataset.loader('api', async () => {
      calls++
      return [{ input: 'a' }, { input: 'b' }]
    })
    expect(calls).toBe(0)
    const loaded = await ds.load()
    await ds.load()
    expect(calls).toBe(1)
    expect(loaded.source).toBe('loader')
    expect(loaded.items).toHaveLength(2)
    const wrapped = await dataset.loader('api', () => ({ items: [{ input: 1 }] }) as never).load()
    expect(wrapped.items).toHaveLength(1)
  })
  test('a throwing loader or a bad result becomes a DatasetError (and load can be retried)', async () => {
    let fail = true
    const ds = dataset.loader('api', async () => {
      if (fail) throw new Error('503 from upstream')
      return [{ input: 1 }]
    })
    expect((await loadError(ds.load())).message).toBe('dataset "api": the loader failed: 503 from upstream')
    fail = false
    expect((await ds.load()).items).toHaveLength(1)
    const bad = await loadError(dataset.loader('api', async () => 'nope' as never).load())
    expect(bad.message).toContain('the loader result must be an array of items')
    const invalid = await loadError(
      dataset.loader('api', async () => [{ input: 1 }, { inpt: 2 }] as never).load(),
    )
    expect(invalid.message).toContain('items[1]: "input" is required')
    expect(() => dataset.loader('api', 'x' as never)).toThrow(/loader must be a function/)
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
