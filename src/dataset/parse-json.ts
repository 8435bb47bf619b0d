import { describeValue } from '../util/describe-value.js'
import type { RawRecord } from './build.js'
import { DatasetError } from './errors.js'

/**
 * A JSON dataset is an array of items or an object `{ items: [...] }` (other top-level keys are
 * allowed and ignored). Records are located `<prefix>items[i]`.
 */
export function itemsOf(name: string, value: unknown, where: string, prefix: string): RawRecord[] {
  const list = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object' && Array.isArray((value as { items?: unknown }).items)
      ? (value as { items: unknown[] }).items
      : undefined
  if (!list) {
    throw new DatasetError(
      name,
      `dataset "${name}": ${where} must be an array of items or an object { "items": [...] }, got ${describeValue(value)}`,
    )
  }
  return list.map((item, index) => ({ location: `${prefix}items[${index}]`, value: item }))
}

/** Parses a JSON dataset file; malformed JSON names the file (and the line/column when known). */
export function parseJsonFile(name: string, text: string, display: string): RawRecord[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new DatasetError(name, `dataset "${name}": ${display}: invalid JSON: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return itemsOf(name, value, display, `${display}: `)
}
