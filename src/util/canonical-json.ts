/**
 * Canonical JSON: `JSON.stringify` with every object's keys sorted, no whitespace. Two values
 * that are equal as JSON have the same canonical text whatever their key order, so it is what
 * content hashes (item ids, dataset versions) and JSON equality are computed over.
 *
 * Key order: string keys by UTF-16 code unit order, except that integer-like keys ("0", "7",
 * "42") come first in ascending numeric order, as JavaScript always enumerates them.
 * Everything else is JSON.stringify's behaviour: `toJSON` is honoured, `undefined`/functions/
 * symbols are omitted from objects and become `null` in arrays, non-finite numbers become `null`,
 * BigInt and cycles throw a TypeError. A top-level `undefined` gives the text `undefined`.
 */
export function canonicalJson(value: unknown): string {
  // Copies are cached per call so a cycle through an unsorted object still reaches the same
  // (copied) object and JSON.stringify reports it as circular instead of recursing forever.
  const copies = new Map<object, Record<string, unknown>>()
  return JSON.stringify(value, (_key, element) => sortKeys(element, copies)) ?? 'undefined'
}

/** true when both values have the same canonical JSON text. */
export function canonicalEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

// Called by JSON.stringify for every value (after toJSON): objects whose keys are not in order
// are replaced by a copy with sorted keys. Objects already in order (the common case) are not copied.
function sortKeys(value: unknown, copies: Map<object, Record<string, unknown>>): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const keys = Object.keys(value)
  let sorted = true
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = false
      break
    }
  }
  if (sorted) return value
  let copy = copies.get(value)
  if (!copy) {
    keys.sort()
    copy = {}
    for (const key of keys) copy[key] = (value as Record<string, unknown>)[key]
    copies.set(value, copy)
  }
  return copy
}
