import { RunItemBatchBodySchema } from '../../schema/api.js'
import { isObject, validItemResult } from '../../schema/item-result-check.js'
import type { ItemResult } from '../../schema/meta.js'
import { parseOr400 } from './validate.js'

type Batch = { items: ItemResult[] }

/**
 * `POST /runs/:id/items` bodies: the hand-written check below when it accepts the batch, else
 * RunItemBatchBodySchema (which then produces the 400 naming the first bad field). zod costs
 * about 14 ms per 1,000-item batch; this check well under 2 ms.
 */
export function parseRunItemBatch(body: unknown): Batch {
  return parseValidRunItemBatch(body) ?? parseOr400(RunItemBatchBodySchema, body, 'body')
}

/**
 * The batch as RunItemBatchBodySchema would output it, when `body` is certainly valid; undefined
 * otherwise. It accepts a subset of what zod accepts (anything unusual, e.g. an unknown key that
 * zod would strip, or a key present with the value undefined, is left to zod), and what it
 * returns equals zod's output (see validItemResult in src/schema/item-result-check.ts).
 */
export function parseValidRunItemBatch(body: unknown): Batch | undefined {
  if (!isObject(body)) return undefined
  let keys = 0
  for (const key in body) {
    if (key !== 'items') return undefined
    keys++
  }
  const items = (body as { items?: unknown }).items
  if (keys !== 1 || !Array.isArray(items) || items.length < 1 || items.length > 5000) return undefined
  const out: ItemResult[] = new Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const item = validItemResult(items[i])
    if (item === undefined) return undefined
    out[i] = item
  }
  return { items: out }
}
