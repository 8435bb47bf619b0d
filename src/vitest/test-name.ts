import type { Item } from '../dataset/types.js'
import { label } from './excerpt.js'

/** Ids assigned by content hash (16 hex chars, `~n` for duplicates) carry no meaning for a reader. */
const CONTENT_ID = /^[0-9a-f]{16}(~\d+)?$/

const MAX_LABEL = 60

/**
 * A test's name: `#<index> <id>` for items with an explicit id, `#<index> <input excerpt>` for
 * content-hashed ones, plus `[trial k/n]` (1-based) when the suite runs several trials. Stable
 * across runs as long as the item and its position are, so `-t` filters keep matching.
 */
export function itemTestName(item: Item<unknown, unknown>, trial: number, trials: number): string {
  const what = CONTENT_ID.test(item.id) ? inputLabel(item.input) : label(item.id, MAX_LABEL)
  const name = `#${item.index} ${what}`
  return trials > 1 ? `${name} [trial ${trial + 1}/${trials}]` : name
}

/** For chat inputs, the last user message is the most telling part. */
function inputLabel(input: unknown): string {
  if (Array.isArray(input)) {
    const lastUser = [...input]
      .reverse()
      .find((m): m is { role: string; content: string } => isMessage(m) && m.role === 'user')
    if (lastUser) return label(lastUser.content, MAX_LABEL)
  }
  return label(input, MAX_LABEL)
}

function isMessage(value: unknown): value is { role: string; content: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { role?: unknown }).role === 'string' &&
    typeof (value as { content?: unknown }).content === 'string'
  )
}
