import type { EvalContext } from '../evaluators/types.js'

/** A judge prompt: a template with `{{input}}`, `{{output}}`, `{{expected}}`, `{{metadata.<key>}}`, or a function of the item. */
export type JudgePrompt<I = unknown, O = unknown, E = unknown> =
  | string
  | ((ctx: EvalContext<I, O, E>) => string)

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}/g

/** Renders a prompt; a placeholder naming nothing the item has is an error naming the placeholder. */
export function renderPrompt<I, O, E>(
  judge: string,
  prompt: JudgePrompt<I, O, E>,
  ctx: EvalContext<I, O, E>,
): string {
  if (typeof prompt === 'function') {
    const text = prompt(ctx)
    if (typeof text !== 'string')
      throw new TypeError(`judge "${judge}": the prompt function must return a string`)
    return text
  }
  const root: Record<string, unknown> = {
    input: ctx.input,
    output: ctx.output,
    expected: ctx.expected,
    metadata: ctx.metadata,
    tags: ctx.tags,
  }
  return prompt.replace(PLACEHOLDER, (_match, path: string) => {
    let value: unknown = root
    for (const part of path.split('.')) {
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
    }
    if (value === undefined) {
      throw new TypeError(`judge "${judge}": the prompt uses {{${path}}}, which this item does not have`)
    }
    return asText(value)
  })
}

/** Strings as they are; anything else as indented JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  return JSON.stringify(value, null, 2) ?? String(value)
}
