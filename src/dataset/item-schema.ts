import * as z from 'zod/mini'
import '../schema/zod-locale.js'
import { ChatMessageSchema, type TurnType } from '../schema/common.js'
import { describeValue } from '../util/describe-value.js'
import { findNonJson, formatPath } from '../util/json-check.js'

/** Largest explicit item id accepted (the run-item schema allows 500 characters). */
export const MAX_ITEM_ID_LENGTH = 500

/** Any JSON value, checked by findNonJson so errors point at the exact offending path. */
const jsonValue = z.unknown().check(
  z.superRefine((value, ctx) => {
    const found = findNonJson(value)
    if (found) ctx.addIssue({ code: 'custom', message: found.problem, path: found.path })
  }),
)

const jsonObject = z.record(z.string(), z.unknown()).check(
  z.superRefine((value, ctx) => {
    const found = findNonJson(value)
    if (found) ctx.addIssue({ code: 'custom', message: found.problem, path: found.path })
  }),
)

const commonFields = {
  id: z.optional(
    z
      .string()
      .check(
        z.minLength(1, 'must not be empty'),
        z.maxLength(MAX_ITEM_ID_LENGTH, `must be at most ${MAX_ITEM_ID_LENGTH} characters`),
      ),
  ),
  expected: z.optional(jsonValue),
  tags: z.optional(z.array(z.string().check(z.minLength(1, 'must not be empty')))),
  metadata: z.optional(jsonObject),
}

const singleTurnItem = z.strictObject({
  input: jsonValue.check(z.refine((value) => value !== undefined, 'is required')),
  ...commonFields,
})

const multiTurnItem = z.strictObject({
  // strict: a message field we do not know (e.g. a typo) is reported, not silently dropped
  input: z
    .array(z.strictObject(ChatMessageSchema.shape))
    .check(z.minLength(1, 'must hold at least one chat message')),
  ...commonFields,
})

/** An item as written by the user, after validation (before ids are assigned). */
export type ParsedItem = z.output<typeof singleTurnItem>

export interface FieldProblem {
  field?: string
  message: string
}

/** Validates one raw item; returns the item or its problems (each naming the field). */
export function validateItem(
  raw: unknown,
  turnType: TurnType,
): { ok: true; item: ParsedItem } | { ok: false; problems: FieldProblem[] } {
  const fast = parseValidItem(raw, turnType)
  if (fast) return { ok: true, item: fast }
  return validateWithZod(raw, turnType)
}

/**
 * The zod validation of an item: the reference, and what produces the error messages. (Valid
 * items take parseValidItem's equivalent fast path: zod costs ~25 µs per item, which matters
 * at 10k items during Vitest collection.)
 */
export function validateWithZod(
  raw: unknown,
  turnType: TurnType,
): { ok: true; item: ParsedItem } | { ok: false; problems: FieldProblem[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      problems: [{ message: `expected an object with an "input" field, got ${describeValue(raw)}` }],
    }
  }
  if (!('input' in raw) || (raw as { input?: unknown }).input === undefined) {
    // Checked first so a missing input is reported plainly, not as a union/array mismatch.
    const others = validateWith(turnType === 'multi' ? multiTurnItem : singleTurnItem, raw).filter(
      (problem) => problem.field !== 'input',
    )
    return { ok: false, problems: [{ field: 'input', message: 'is required' }, ...others] }
  }
  const schema = turnType === 'multi' ? multiTurnItem : singleTurnItem
  const result = schema.safeParse(raw, { error: issueMessage })
  if (result.success) return { ok: true, item: result.data as ParsedItem }
  return { ok: false, problems: issuesToProblems(result.error.issues, turnType) }
}

const ITEM_KEYS = new Set(['id', 'input', 'expected', 'tags', 'metadata'])
const ROLES = new Set(['system', 'user', 'assistant', 'tool'])
const MESSAGE_KEYS = new Set(['role', 'content', 'name', 'toolCallId'])

/**
 * The item when `raw` is certainly valid (accepts exactly what the zod schemas accept), else
 * undefined so the caller falls back to zod for the error messages.
 */
export function parseValidItem(raw: unknown, turnType: TurnType): ParsedItem | undefined {
  if (!isPlainObject(raw)) return undefined
  for (const key of Object.keys(raw)) if (!ITEM_KEYS.has(key)) return undefined
  const { id, input, expected, tags, metadata } = raw as Record<string, unknown>
  if (input === undefined) return undefined
  if (turnType === 'multi' ? !isChatMessageList(input) : findNonJson(input) !== null) return undefined
  if (expected !== undefined && findNonJson(expected) !== null) return undefined
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > MAX_ITEM_ID_LENGTH)) {
    return undefined
  }
  if (
    tags !== undefined &&
    (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag !== ''))
  ) {
    return undefined
  }
  if (metadata !== undefined && (!isPlainObject(metadata) || findNonJson(metadata) !== null)) return undefined
  const item: ParsedItem = { input }
  if (id !== undefined) item.id = id as string
  if (expected !== undefined) item.expected = expected
  if (tags !== undefined) item.tags = [...(tags as string[])]
  if (metadata !== undefined) item.metadata = metadata as Record<string, unknown>
  return item
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function isChatMessageList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false
  return value.every((message) => {
    if (!isPlainObject(message)) return false
    for (const key of Object.keys(message)) if (!MESSAGE_KEYS.has(key)) return false
    const { role, content, name, toolCallId } = message
    return (
      typeof role === 'string' &&
      ROLES.has(role) &&
      typeof content === 'string' &&
      (name === undefined || typeof name === 'string') &&
      (toolCallId === undefined || typeof toolCallId === 'string')
    )
  })
}

function validateWith(schema: z.ZodMiniType, raw: unknown): FieldProblem[] {
  const result = schema.safeParse(raw, { error: issueMessage })
  return result.success ? [] : issuesToProblems(result.error.issues, 'single')
}

function issuesToProblems(issues: z.core.$ZodIssue[], turnType: TurnType): FieldProblem[] {
  const problems: FieldProblem[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          field: formatPath([...issue.path, key]),
          message:
            issue.path.length === 0
              ? 'is not an item field (fields are input, expected, id, tags, metadata; put extra data under metadata)'
              : 'is not an allowed field here',
        })
      }
      continue
    }
    let message = issue.message
    if (
      turnType === 'multi' &&
      issue.path.length === 1 &&
      issue.path[0] === 'input' &&
      issue.code === 'invalid_type'
    ) {
      message = `${message} (a multi-turn dataset's input is a list of chat messages { role, content })`
    }
    problems.push({ field: formatPath(issue.path) || undefined, message } as FieldProblem)
  }
  return problems
}

function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required'
    const expected = issue.expected === 'record' ? 'object' : issue.expected
    return `expected ${expected === 'array' ? 'an array' : `${article(expected)} ${expected}`}, got ${describeValue(issue.input)}`
  }
  if (issue.code === 'invalid_value') {
    const options = (issue.values as unknown[]).map((value) => JSON.stringify(value)).join(', ')
    return `must be one of ${options}, got ${describeValue(issue.input)}`
  }
  return undefined
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a'
}
