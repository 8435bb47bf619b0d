import { afterEach, describe, expect, it, vi } from 'vitest'
import { EvalTimeoutError } from '../../src/core/errors.js'
import { createLimiter } from '../../src/core/limiter.js'
import { type RunItemOptions, runItem } from '../../src/core/run-item.js'
import { runSuite } from '../../src/core/run-suite.js'
import type { EvalTask } from '../../src/core/types.js'
import type { Item } from '../../src/dataset/types.js'
import { evaluator } from '../../src/evaluators/index.js'
import type { Evaluator } from '../../src/evaluators/types.js'
import { ItemResultSchema } from '../../src/schema/meta.js'

function item(index: number, input: unknown = `q${index}`, expected?: unknown): Item<unknown, unknown> {
  const base: Item<unknown, unknown> = {
    id: `item-${index}`,
    index,
    input,
    tags: ['t'],
    metadata: { n: index },
  }
  if (expected !== undefined) base.expected = expected
  return base
}

function run<O>(
  task: EvalTask<unknown, O, unknown>,
  overrides: Partial<RunItemOptions<unknown, O, unknown>> = {},
) {
  return runItem<unknown, O, unknown>({
    suite: 'unit',
    item: item(0),
    trial: 0,
    task,
    evaluators: [],
    limiter: createLimiter(1),
    timeoutMs: 1000,
    ...overrides,
  })
}

/** A promise with its resolve function, for tasks the test releases explicitly. */
function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('runItem: slots, timeouts and the abort signal', () => {
  it('counts the timeout from slot acquisition, not from when the item was queued', async () => {
    vi.useFakeTimers()
    const limiter = createLimiter(1)
    const holder = deferred<string>()
    const first = run(() => holder.promise, { limiter, timeoutMs: 1_000_000 })
    const second = run(() => 'quick', { limiter, item: item(1), timeoutMs: 100 })
    // The second item waits far longer than its own timeout, but only for a slot.
    await vi.advanceTimersByTimeAsync(10_000)
    expect(limiter.pendingCount).toBe(1)
    holder.resolve('slow')
    const [a, b] = await Promise.all([first, second])
    expect(a.status).toBe('completed')
    expect(b.status).toBe('completed')
    expect(b.output).toBe('quick')
  })

  it('times out a task that runs past the limit, aborts its signal and frees the slot', async () => {
    vi.useFakeTimers()
    const limiter = createLimiter(1)
    let seen: AbortSignal | undefined
    const never = run(
      (_input, { signal }) => {
        seen = signal
        return new Promise<never>(() => {}) // ignores the signal on purpose
      },
      { limiter, timeoutMs: 50 },
    )
    const next = run(() => 'next', { limiter, item: item(1), timeoutMs: 50 })
    await vi.advanceTimersByTimeAsync(60)
    const result = await never
    expect(result.status).toBe('timeout')
    expect(result.passed).toBe(false)
    expect(result.output).toBeNull()
    expect(result.error?.name).toBe('EvalTimeoutError')
    expect(result.error?.message).toMatch(/timed out after 50 ms/)
    expect(seen?.aborted).toBe(true)
    expect(seen?.reason).toBeInstanceOf(EvalTimeoutError)
    expect((await next).status).toBe('completed')
  })

  it('gives a task that reads its signal only after the timeout an already-aborted signal', async () => {
    vi.useFakeTimers()
    const later = deferred()
    let context: { signal: AbortSignal } | undefined
    const pending = run(
      async (_input, ctx) => {
        context = ctx
        await later.promise
        return 'late'
      },
      { timeoutMs: 10 },
    )
    await vi.advanceTimersByTimeAsync(20)
    expect((await pending).status).toBe('timeout')
    expect(context?.signal.aborted).toBe(true)
    expect(context?.signal.reason).toBeInstanceOf(EvalTimeoutError)
    later.resolve()
  })

  it('passes the item, trial and a live signal to the task', async () => {
    let received: { signal: AbortSignal; item: Item<unknown, unknown>; trial: number } | undefined
    const result = await run(
      (input, context) => {
        received = context
        return `echo ${String(input)}`
      },
      { trial: 2 },
    )
    expect(received?.item.id).toBe('item-0')
    expect(received?.trial).toBe(2)
    expect(received?.signal.aborted).toBe(false)
    expect(result.trial).toBe(2)
    expect(result.output).toBe('echo q0')
  })

  it('records a thrown error as status failed with name, message and stack', async () => {
    const result = await run(() => {
      throw new TypeError('model unavailable')
    })
    expect(result.status).toBe('failed')
    expect(result.passed).toBe(false)
    expect(result.error).toMatchObject({ name: 'TypeError', message: 'model unavailable' })
    expect(result.error?.stack).toContain('model unavailable')
  })

  it('records rejections and non-Error throws', async () => {
    const rejected = await run(() => Promise.reject(new RangeError('nope')))
    expect(rejected.error).toMatchObject({ name: 'RangeError', message: 'nope' })
    const thrownString = await run(() => {
      throw 'just a string'
    })
    expect(thrownString.status).toBe('failed')
    expect(thrownString.error).toMatchObject({ name: 'NonErrorThrown', message: 'just a string' })
  })

  it('fails the item when the run is cancelled through the external signal', async () => {
    const controller = new AbortController()
    let taskSignal: AbortSignal | undefined
    const pending = run(
      (_input, { signal }) => {
        taskSignal = signal
        return new Promise<never>(() => {})
      },
      { signal: controller.signal },
    )
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort(new Error('run cancelled'))
    const result = await pending
    expect(result.status).toBe('failed')
    expect(result.error?.message).toBe('run cancelled')
    expect(taskSignal?.aborted).toBe(true)
  })

  it('records latency, a start time and produces a schema-valid result', async () => {
    const before = Date.now()
    const result = await run(async () => {
      await new Promise((r) => setTimeout(r, 30))
      return 'ok'
    })
    // the task slept 30 ms: latency covers it (timer granularity allows a millisecond early)
    expect(result.latencyMs).toBeGreaterThanOrEqual(29)
    expect(Date.parse(result.startedAt)).toBeGreaterThanOrEqual(before - 1)
    expect(ItemResultSchema.parse(result)).toEqual(result)
  })
})

describe('runItem: task return values', () => {
  it('takes a bare value as the output', async () => {
    const result = await run(() => ({ answer: 42, usage: 'not the known key set' }))
    expect(result.output).toEqual({ answer: 42, usage: 'not the known key set' })
    expect(result.usage).toBeNull()
  })

  it('takes { output, usage, costUsd, toolCalls } as a task result', async () => {
    const result = await run(() => ({
      output: 'Paris',
      usage: { inputTokens: 12, outputTokens: 3 },
      costUsd: 0.0004,
      toolCalls: [{ name: 'search', arguments: { q: 'capital of France' }, result: ['Paris'] }],
    }))
    expect(result.output).toBe('Paris')
    expect(result.usage).toEqual({ inputTokens: 12, outputTokens: 3 })
    expect(result.costUsd).toBe(0.0004)
    expect(result.toolCalls).toEqual([
      { name: 'search', arguments: { q: 'capital of France' }, result: ['Paris'] },
    ])
  })

  it('treats an object with output plus unknown keys, or a class instance, as the output itself', async () => {
    const extra = await run(() => ({ output: 'x', confidence: 0.3 }))
    expect(extra.output).toEqual({ output: 'x', confidence: 0.3 })
    class Answer {
      output = 'y'
    }
    const instance = await run(() => new Answer())
    expect(instance.output).toEqual({ output: 'y' })
  })

  it('converts with JSON semantics: undefined → null, Date → ISO string, nested undefined dropped', async () => {
    expect((await run(() => undefined)).output).toBeNull()
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5))
    const result = await run(() => ({ at, missing: undefined, list: [1, 'two'] }))
    expect(result.output).toEqual({ at: '2026-01-02T03:04:05.000Z', list: [1, 'two'] })
  })

  it('keeps primitive outputs as JSON gives them back: non-finite numbers become null', async () => {
    const outputs: unknown[] = [
      'text',
      '\ud800 lone',
      '',
      0,
      -1.5,
      true,
      false,
      null,
      Number.NaN,
      Infinity,
      -Infinity,
    ]
    for (const output of outputs) {
      const result = await run(() => output)
      expect(result.output).toEqual(JSON.parse(JSON.stringify(output)))
      expect(ItemResultSchema.parse(result).output).toEqual(result.output)
    }
  })

  it('fails the item with a clear error for a non-serialisable output (cycle, BigInt, function)', async () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const cycle = await run(() => cyclic)
    expect(cycle.status).toBe('failed')
    expect(cycle.error?.name).toBe('TaskResultError')
    expect(cycle.error?.message).toMatch(/^the task output is not JSON-serialisable: .*circular/i)
    const big = await run(() => ({ output: 10n }))
    expect(big.status).toBe('failed')
    expect(big.error?.message).toMatch(/not JSON-serialisable: .*BigInt/)
    const fn = await run(() => () => 1)
    expect(fn.error?.message).toBe('the task output is not JSON-serialisable: it is a function')
  })

  it('rejects malformed usage, cost and tool calls instead of coercing them', async () => {
    const usage = await run((): unknown => ({ output: 'a', usage: { prompt_tokens: 3 } }))
    expect(usage.status).toBe('failed')
    expect(usage.error?.message).toMatch(/invalid `usage`.*inputTokens/)
    const cost = await run(() => ({ output: 'a', costUsd: -1 }))
    expect(cost.error?.message).toBe(
      'the task returned an invalid `costUsd`: expected a finite number >= 0, got -1',
    )
    const tools = await run((): unknown => ({ output: 'a', toolCalls: [{ arguments: {} }] }))
    expect(tools.error?.message).toMatch(/invalid `toolCalls`: 0\.name/)
  })
})

describe('runItem: evaluators', () => {
  const exact = evaluator('exact', ({ output, expected }) => output === expected, { threshold: 1 })
  const boom = evaluator(
    'boom',
    () => {
      throw new Error('judge crashed')
    },
    { threshold: 0.5 },
  )
  const informational = evaluator('length', ({ output }) => Math.min(1, String(output).length / 10))

  it('runs evaluators concurrently on the raw output and computes passed', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const slow = (name: string): Evaluator =>
      evaluator(name, async () => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((resolve) => setImmediate(resolve))
        inFlight--
        return 1
      })
    const result = await run(() => 'Paris', {
      item: item(0, 'France', 'Paris'),
      evaluators: [exact, informational, slow('a'), slow('b')],
    })
    expect(maxInFlight).toBe(2)
    expect(result.passed).toBe(true)
    expect(result.scores.map((s) => [s.metric, s.score, s.passed])).toEqual([
      ['exact', 1, true],
      ['length', 0.5, null],
      ['a', 1, null],
      ['b', 1, null],
    ])
  })

  it('fails the item when a thresholded evaluator fails; informational ones never fail it', async () => {
    const result = await run(() => 'Lyon', {
      item: item(0, 'France', 'Paris'),
      evaluators: [exact, informational],
    })
    expect(result.status).toBe('completed')
    expect(result.passed).toBe(false)
    expect(result.scores[0]).toMatchObject({ metric: 'exact', score: 0, passed: false, threshold: 1 })
  })

  it('turns an evaluator that throws into a null score with its error; the others still score', async () => {
    const result = await run(() => 'Paris', { item: item(0, 'France', 'Paris'), evaluators: [boom, exact] })
    expect(result.status).toBe('completed')
    expect(result.scores[0]).toMatchObject({
      metric: 'boom',
      score: null,
      passed: false,
      error: 'judge crashed',
    })
    expect(result.scores[1]).toMatchObject({ metric: 'exact', score: 1, passed: true })
    expect(result.passed).toBe(false)
    expect(ItemResultSchema.safeParse(result).success).toBe(true)
  })

  it('scores an evaluator that runs past its time limit null with an error, and aborts it', async () => {
    vi.useFakeTimers()
    let evaluatorSignal: AbortSignal | undefined
    const hanging = evaluator(
      'hanging',
      ({ signal }) => {
        evaluatorSignal = signal
        return new Promise<never>(() => {})
      },
      { threshold: 0.5 },
    )
    const pending = run(() => 'Paris', { evaluators: [hanging, informational], evaluatorTimeoutMs: 200 })
    await vi.advanceTimersByTimeAsync(250)
    const result = await pending
    expect(result.scores[0]).toMatchObject({
      metric: 'hanging',
      score: null,
      passed: false,
      error: 'evaluator timed out after 200 ms',
    })
    expect(result.scores[1]?.score).toBe(0.5)
    expect(evaluatorSignal?.aborted).toBe(true)
  })

  it('cancels a running evaluation through the external signal, and only the items still pending', async () => {
    const controller = new AbortController()
    const limiter = createLimiter(2)
    let evaluatorSignal: AbortSignal | undefined
    const hanging = evaluator('hanging', ({ signal }) => {
      evaluatorSignal = signal
      return new Promise<never>(() => {})
    })
    const done = await run(() => 'Paris', { signal: controller.signal, limiter })
    const pending = run(() => 'Paris', { evaluators: [hanging], signal: controller.signal, limiter })
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort(new Error('run cancelled'))
    const result = await pending
    expect(result.status).toBe('completed')
    expect(result.scores[0]).toMatchObject({ metric: 'hanging', score: null, error: 'evaluation cancelled' })
    expect(evaluatorSignal?.aborted).toBe(true)
    expect(done.status).toBe('completed')
  })

  it('does not run evaluators when the task failed: every metric gets a null, not-evaluated score', async () => {
    const spy = vi.fn(() => 1)
    const counted = evaluator('counted', spy, { threshold: 1 })
    const result = await run(
      () => {
        throw new Error('down')
      },
      { evaluators: [counted] },
    )
    expect(spy).not.toHaveBeenCalled()
    expect(result.scores).toEqual([
      {
        metric: 'counted',
        score: null,
        passed: null,
        threshold: 1,
        inverted: false,
        reason: 'not evaluated: the task failed',
        durationMs: 0,
      },
    ])
  })

  it('gives evaluators the usage, cost, tool calls and latency the task reported', async () => {
    let seen: unknown
    const probe = evaluator('probe', (ctx) => {
      seen = {
        usage: ctx.usage,
        costUsd: ctx.costUsd,
        toolCalls: ctx.toolCalls,
        latency: typeof ctx.latencyMs,
      }
      return 1
    })
    await run(
      () => ({ output: 'x', usage: { inputTokens: 1, outputTokens: 2 }, costUsd: 0.5, toolCalls: [] }),
      {
        evaluators: [probe],
      },
    )
    expect(seen).toEqual({
      usage: { inputTokens: 1, outputTokens: 2 },
      costUsd: 0.5,
      toolCalls: [],
      latency: 'number',
    })
  })
})

describe('runSuite: limiter and trials', () => {
  it('repeats each item per trial, reported per trial, and never exceeds the concurrency', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const items = Array.from({ length: 6 }, (_, i) => item(i))
    const results = await runSuite({
      suite: 'trials',
      items,
      trials: 3,
      concurrency: 4,
      timeoutMs: 5000,
      evaluators: [],
      task: async (input, { trial }) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 5))
        inFlight--
        return `${String(input)}#${trial}`
      },
    })
    expect(maxInFlight).toBe(4)
    expect(results).toHaveLength(18)
    expect(results.map((r) => [r.index, r.trial])).toEqual(
      items.flatMap((it) => [0, 1, 2].map((t) => [it.index, t])),
    )
    expect(results[4]?.output).toBe('q1#1')
    expect(new Set(results.map((r) => r.spanId)).size).toBe(18)
  })
})
