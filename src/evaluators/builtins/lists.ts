import type { ToolCall } from '../../schema/meta.js'
import { canonicalJson } from '../../util/canonical-json.js'
import { describeValue, excerpt } from '../../util/describe-value.js'
import { defineEvaluator, markFactory } from '../define.js'
import type { EvalContext, Evaluator } from '../types.js'
import { checks, type ExpectedOptions, expectedOf, NO_EXPECTED, readOptions } from './options.js'

export interface ListContainsOptions extends ExpectedOptions<unknown[]> {
  /** Compare string elements case-sensitively (default true). */
  caseSensitive?: boolean
}

/**
 * `listContains`: the share of expected elements present in the output list,
 * `matched / expected.length`, where elements are equal by canonical JSON (strings optionally
 * case-insensitive) and each output element matches at most one expected element (so
 * `["a", "a"]` needs two `"a"`s). An empty expected list scores 1. Output and expected must be
 * arrays. Not applicable without expected. Default threshold: 1 (every expected element present).
 */
export const listContains = markFactory(function listContains<I = never, O = never, E = never>(
  options?: ListContainsOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'listContains',
    options,
    {
      expected: (value) => (Array.isArray(value) ? null : 'must be an array'),
      caseSensitive: checks.boolean,
    },
    {
      threshold: 1,
      description: 'share of expected elements present in the output list: matched / expected',
    },
  )
  const caseSensitive = options?.caseSensitive ?? true
  const key = (value: unknown) =>
    typeof value === 'string' && !caseSensitive ? canonicalJson(value.toLowerCase()) : canonicalJson(value)
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const expected = expectedOf(options, ctx)
      if (expected === undefined) return NO_EXPECTED
      if (!Array.isArray(expected))
        throw new TypeError(`${name}: expected must be an array, got ${describeValue(expected)}`)
      if (!Array.isArray(ctx.output))
        throw new TypeError(`${name}: output must be an array, got ${describeValue(ctx.output)}`)
      if (expected.length === 0) return { score: 1 }
      const available = new Map<string, number>()
      for (const element of ctx.output) {
        const k = key(element)
        available.set(k, (available.get(k) ?? 0) + 1)
      }
      const missing: unknown[] = []
      for (const element of expected) {
        const k = key(element)
        const count = available.get(k) ?? 0
        if (count > 0) available.set(k, count - 1)
        else missing.push(element)
      }
      const score = (expected.length - missing.length) / expected.length
      return missing.length === 0
        ? { score }
        : {
            score,
            reason: `missing ${missing.length} of ${expected.length}: ${missing
              .slice(0, 5)
              .map((m) => excerpt(m, 40))
              .join(', ')}`,
          }
    },
  })
})

/** An expected tool call: a tool name, or `{ name, arguments? }`. */
export type ExpectedToolCall = string | { name: string; arguments?: unknown }

export interface ToolCallsOptions extends ExpectedOptions<ExpectedToolCall[]> {
  /** Count matches as the longest common subsequence of the two call sequences (default false: any order). */
  ordered?: boolean
  /**
   * A call matches only when its arguments deep-equal (canonical JSON) the expected call's
   * arguments; an expected call without `arguments` matches any arguments. Default false.
   */
  checkArguments?: boolean
}

/**
 * `toolCalls`: F1 of the actual tool calls against the expected ones, `2m / (expected + actual)`,
 * where m is the number of matched calls: a maximum one-to-one matching by tool name (and
 * arguments with `checkArguments`), or with `ordered: true` the longest common subsequence.
 * Both lists empty → 1. Actual calls are `ctx.toolCalls` (returned by the task), else
 * `output.toolCalls`; none recorded is an error. Expected calls come from the `expected` option,
 * or the item's expected (an array, or an object with a `toolCalls` array). Default threshold: none.
 */
export const toolCalls = markFactory(function toolCalls<I = never, O = never, E = never>(
  options?: ToolCallsOptions,
): Evaluator<I, O, E> {
  const { name, threshold, description } = readOptions(
    'toolCalls',
    options,
    {
      expected: (value) =>
        Array.isArray(value) ? null : 'must be an array of tool names or { name, arguments? }',
      ordered: checks.boolean,
      checkArguments: checks.boolean,
    },
    { threshold: null, description: 'F1 of tool calls against expected: 2·matched / (expected + actual)' },
  )
  const ordered = options?.ordered ?? false
  const checkArguments = options?.checkArguments ?? false
  return defineEvaluator<I, O, E>({
    name,
    threshold,
    description,
    evaluate(ctx) {
      const rawExpected = expectedOf(options, ctx)
      if (rawExpected === undefined) return NO_EXPECTED
      const expected = readExpectedCalls(name, rawExpected)
      const actual = actualCalls(name, ctx)
      const matches = (e: NormalisedCall, a: NormalisedCall) =>
        e.name === a.name && (!checkArguments || e.arguments === undefined || e.arguments === a.arguments)
      const matched = ordered ? lcsLength(expected, actual, matches) : maxMatching(expected, actual, matches)
      const total = expected.length + actual.length
      const score = total === 0 ? 1 : (2 * matched) / total
      const metadata = {
        expected: expected.map((c) => c.name),
        actual: actual.map((c) => c.name),
        matched,
        precision: actual.length === 0 ? (expected.length === 0 ? 1 : 0) : matched / actual.length,
        recall: expected.length === 0 ? (actual.length === 0 ? 1 : 0) : matched / expected.length,
      }
      if (score === 1) return { score, metadata }
      return {
        score,
        metadata,
        reason: `matched ${matched} of ${expected.length} expected call(s) among ${actual.length} actual call(s); expected [${metadata.expected.join(', ')}], got [${metadata.actual.join(', ')}]`,
      }
    },
  })
})

interface NormalisedCall {
  name: string
  /** canonical JSON of the arguments, when given. */
  arguments?: string
}

function readExpectedCalls(builtin: string, value: unknown): NormalisedCall[] {
  const list = Array.isArray(value)
    ? value
    : value !== null &&
        typeof value === 'object' &&
        Array.isArray((value as { toolCalls?: unknown }).toolCalls)
      ? (value as { toolCalls: unknown[] }).toolCalls
      : undefined
  if (!list) {
    throw new TypeError(
      `${builtin}: expected must be an array of tool calls (or an object with a toolCalls array), got ${describeValue(value)}`,
    )
  }
  return list.map((call, index) => {
    if (typeof call === 'string' && call !== '') return { name: call }
    if (call !== null && typeof call === 'object' && typeof (call as { name?: unknown }).name === 'string') {
      const args = (call as { arguments?: unknown }).arguments
      return args === undefined
        ? { name: (call as ToolCall).name }
        : { name: (call as ToolCall).name, arguments: canonicalJson(args) }
    }
    throw new TypeError(
      `${builtin}: expected[${index}] must be a tool name or { name, arguments? }, got ${describeValue(call)}`,
    )
  })
}

function actualCalls(builtin: string, ctx: EvalContext): NormalisedCall[] {
  const output = ctx.output as { toolCalls?: unknown } | null
  const list =
    ctx.toolCalls ??
    (output !== null && typeof output === 'object' && Array.isArray(output.toolCalls)
      ? output.toolCalls
      : null)
  if (list === null) {
    throw new TypeError(
      `${builtin}: no tool calls recorded; return { output, toolCalls } from the task (or an output with a toolCalls array)`,
    )
  }
  return (list as unknown[]).map((call, index) => {
    if (call !== null && typeof call === 'object' && typeof (call as { name?: unknown }).name === 'string') {
      return { name: (call as ToolCall).name, arguments: canonicalJson((call as ToolCall).arguments) }
    }
    throw new TypeError(`${builtin}: tool call ${index} has no name: ${describeValue(call)}`)
  })
}

/** Size of a maximum one-to-one matching (Kuhn's augmenting paths; lists are small). */
function maxMatching<T>(left: T[], right: T[], matches: (l: T, r: T) => boolean): number {
  const owner = new Array<number>(right.length).fill(-1)
  const tryAssign = (l: number, visited: boolean[]): boolean => {
    for (let r = 0; r < right.length; r++) {
      if (visited[r] || !matches(left[l]!, right[r]!)) continue
      visited[r] = true
      if (owner[r] === -1 || tryAssign(owner[r]!, visited)) {
        owner[r] = l
        return true
      }
    }
    return false
  }
  let size = 0
  for (let l = 0; l < left.length; l++) if (tryAssign(l, new Array<boolean>(right.length).fill(false))) size++
  return size
}

/** Length of the longest common subsequence under `matches`. */
function lcsLength<T>(a: T[], b: T[], matches: (x: T, y: T) => boolean): number {
  let previous = new Array<number>(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0)
    for (let j = 1; j <= b.length; j++) {
      current[j] = matches(a[i - 1]!, b[j - 1]!)
        ? previous[j - 1]! + 1
        : Math.max(previous[j]!, current[j - 1]!)
    }
    previous = current
  }
  return previous[b.length]!
}
