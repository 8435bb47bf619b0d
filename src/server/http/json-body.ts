/**
 * JSON request bodies without blocking the event loop on large ones. `JSON.parse` of a 48 MB
 * batch holds the loop for well over a second; every other request (health checks, other
 * shards' uploads) waits. Bodies of the `{ "items": [ … ] }` shape (run item batches, dataset
 * items: the only large bodies) are split into their elements by a string-aware scan and each
 * element parsed on its own, yielding to the event loop every few milliseconds. The result is
 * exactly `JSON.parse(text)`; any other shape, or anything the scan does not recognise, goes to
 * `JSON.parse` (which also produces the error message for malformed text).
 */

import { TimeSlice } from '../../util/time-slice.js'
import { ServiceError } from '../service/errors.js'

/** Default maximum request body in bytes (a 413 above it). */
export const DEFAULT_BODY_LIMIT = 50 * 1024 * 1024

/**
 * Bodies at least this long are parsed in slices. Below it one `JSON.parse` (~25 ms for 4 MiB)
 * beats the scan (~15 ms per MiB on top of the per-element parses), and the reporter's upload
 * batches (~1 MiB) stay on the fast path.
 */
export const CHUNKED_PARSE_MIN_CHARS = 4 * 1024 * 1024

const HEAD = /\s*\{\s*"items"\s*:\s*\[/y

/**
 * Where the text's trailing `]` `}` (with whitespace) starts, scanning back from the end, or -1.
 * (A `/\]\s*\}\s*$/` regex would try every position of a 50 MB string.)
 */
function closingBrackets(text: string): number {
  let i = text.length - 1
  const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
  while (i >= 0 && isSpace(text.charCodeAt(i))) i--
  if (text.charCodeAt(i) !== 0x7d) return -1
  i--
  while (i >= 0 && isSpace(text.charCodeAt(i))) i--
  return text.charCodeAt(i) === 0x5d ? i : -1
}

/** `JSON.parse(text)`, in slices when it is large. `onYield` counts the yields (tests). */
export async function parseJsonBody(text: string, onYield?: () => void): Promise<unknown> {
  if (text.length < CHUNKED_PARSE_MIN_CHARS) return JSON.parse(text)
  HEAD.lastIndex = 0
  const head = HEAD.exec(text)
  const end = closingBrackets(text)
  if (!head || end < head[0].length) return JSON.parse(text)
  const items = await parseArrayElements(text, head[0].length, end, onYield)
  return items === null ? JSON.parse(text) : { items }
}

/**
 * The elements of the JSON array whose contents span text[start, end), or null when the span is
 * not a well-formed element list at depth 0 (then the caller lets JSON.parse report it).
 */
async function parseArrayElements(
  text: string,
  start: number,
  end: number,
  onYield?: () => void,
): Promise<unknown[] | null> {
  const out: unknown[] = []
  let depth = 0
  let inString = false
  let elementStart = start
  const slice = new TimeSlice()
  let sawContent = false
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) {
      inString = true
      sawContent = true
    } else if (c === 0x7b || c === 0x5b) {
      depth++
      sawContent = true
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth < 0) return null
    } else if (c === 0x2c && depth === 0) {
      const element = text.slice(elementStart, i)
      try {
        out.push(JSON.parse(element))
      } catch {
        return null
      }
      elementStart = i + 1
      sawContent = false
    } else if (c > 0x20) sawContent = true
    if ((i & 0xffff) === 0 && slice.due()) {
      onYield?.()
      await slice.pause()
    }
  }
  if (inString || depth !== 0) return null
  const last = text.slice(elementStart, end)
  if (sawContent) {
    try {
      out.push(JSON.parse(last))
    } catch {
      return null
    }
  } else if (out.length > 0 || last.trim() !== '') return null
  return out
}

/**
 * A JSON request body as every route sees it: blank text is "no body" (POST /finalize), malformed
 * text a 400 `invalid_json`.
 */
export async function parseRequestBody(text: string): Promise<unknown> {
  if (text.trim() === '') return undefined
  try {
    return await parseJsonBody(text)
  } catch (err) {
    throw new ServiceError(400, 'invalid_json', `malformed JSON body: ${(err as Error).message}`)
  }
}
