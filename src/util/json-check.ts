import { describeValue } from './describe-value.js'

export type JsonPath = (string | number)[]

/**
 * Finds the first place where `value` is not plain JSON (string, finite number, boolean, null,
 * array, plain object), so a validation error can name the exact path. Returns null when it is JSON.
 */
export function findNonJson(value: unknown, path: JsonPath = []): { path: JsonPath; problem: string } | null {
  return walk(value, path, new Set())
}

function walk(value: unknown, path: JsonPath, seen: Set<object>): { path: JsonPath; problem: string } | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null
  if (typeof value === 'number') {
    return Number.isFinite(value) ? null : { path, problem: `${String(value)} is not a JSON number` }
  }
  if (typeof value !== 'object') return { path, problem: `${describeValue(value)} is not a JSON value` }
  if (seen.has(value)) return { path, problem: 'circular reference' }
  const proto = Object.getPrototypeOf(value)
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object'
    return { path, problem: `a ${kind} instance is not a JSON value (use plain objects and arrays)` }
  }
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = walk(value[i], [...path, i], seen)
        if (found) return found
      }
      return null
    }
    for (const [key, element] of Object.entries(value)) {
      const found = walk(element, [...path, key], seen)
      if (found) return found
    }
    return null
  } finally {
    seen.delete(value)
  }
}

/** `input.messages[2].role`-style rendering of a path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part
    else out += `[${JSON.stringify(String(part))}]`
  }
  return out
}
