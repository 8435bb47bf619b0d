import type { JsonValue } from '../schema/common.js'
import { contentHash } from '../util/hash.js'
import { ReplayMissError } from './interceptor.js'
import { currentScope, nextOccurrence } from './scope.js'
import { recordingFile } from './store.js'

/**
 * Records any async call that does not go over HTTP (a local model, a gRPC client, …) like the
 * HTTP calls of an eval item: the first run stores what `fn` resolves to (it must be JSON) under
 * `name`, the item's trial and the salt; later runs return it without calling `fn`. Outside an eval
 * item, or with EVALGATE_REPLAY=off, it just calls `fn`. Calling it twice with one name in one
 * item × trial records two values, in call order.
 */
export async function recorded<T extends JsonValue>(name: string, fn: () => T | Promise<T>): Promise<T> {
  if (typeof name !== 'string' || name === '')
    throw new TypeError('recorded(name, fn): name must be a non-empty string')
  if (typeof fn !== 'function')
    throw new TypeError(`recorded(${JSON.stringify(name)}, fn): fn must be a function`)
  const scope = currentScope()
  if (!scope || scope.mode === 'off') return fn()
  const base = contentHash({ recorded: name, item: scope.item, trial: scope.trial, salt: scope.salt }, 32)
  const occurrence = nextOccurrence(scope, base)
  const key = occurrence === 0 ? base : `${base}.${occurrence}`
  let file: ReturnType<typeof recordingFile>
  try {
    file = recordingFile(scope.file)
  } catch (error) {
    scope.problems.push((error as Error).message)
    throw error
  }
  const entry = scope.mode === 'record' ? undefined : file.get(key)
  if (entry && 'value' in entry) {
    scope.stats.replayed++
    return entry.value as T
  }
  if (scope.mode === 'strict') {
    const error = new ReplayMissError(
      `EVALGATE_REPLAY=strict: no recording of recorded(${JSON.stringify(name)}) (item ${scope.item}, trial ${scope.trial}) in ${scope.file}; record it with EVALGATE_REPLAY=auto (or vitest -u) and commit the file.`,
    )
    scope.problems.push(error.message)
    throw error
  }
  const value = await fn()
  const json = JSON.parse(JSON.stringify(value ?? null)) as JsonValue
  if (scope.mode === 'auto' || scope.mode === 'record') {
    file.set({ key, trial: scope.trial, recorded: name, value: json })
    scope.stats.recorded++
  } else {
    scope.stats.live++
  }
  return value
}
