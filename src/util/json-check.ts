import { describeValue } from './describe-value.js'

export type JsonPath = (string | number)[]

/**
 * Finds the first place where `value` is not plain JSON (string, finite number, boolean, null,
 * array, plain object), so a validation error can name the exact path. Returns null when it is JSON.
 * Allocation-free on the success path (the path is built only when something is found).
 */
export function findNonJson(value: unknown, path: JsonPath = []): { path: JsonPath; problem: string } | null {
  const found = walk(value, 0)
  if (!found) return null
  return { path: [...path, ...found.path.reverse()], problem: found.problem }
}

const MAX_DEPTH = 1000

function walk(value: unknown, depth: number): { path: JsonPath; problem: string } | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null
  if (typeof value === 'number') {
    return Number.isFinite(value) ? null : { path: [], problem: `${String(value)} is not a JSON number` }
  }
  if (typeof value !== 'object') return { path: [], problem: `${describeValue(value)} is not a JSON value` }
  if (depth >= MAX_DEPTH)
    return { path: [], problem: `circular reference or nesting deeper than ${MAX_DEPTH} levels` }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], depth + 1)
      if (found) {
        found.path.push(i)
        return found
      }
    }
    return null
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object'
    return { path: [], problem: `a ${kind} instance is not a JSON value (use plain objects and arrays)` }
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    const found = walk((value as Record<string, unknown>)[key], depth + 1)
    if (found) {
      found.path.push(key)
      return found
    }
  }
  return null
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
