import { AsyncLocalStorage } from 'node:async_hooks'
import type { ReplayMode } from './mode.js'

/** Calls of one item × trial, by how they were answered. */
export interface ReplayStats {
  replayed: number
  recorded: number
  live: number
  /** Tokens and USD of the replayed calls (what replay saved). */
  tokensSaved: number
  costSavedUsd: number
}

export function emptyStats(): ReplayStats {
  return { replayed: 0, recorded: 0, live: 0, tokensSaved: 0, costSavedUsd: 0 }
}

/** The context of the model calls of one item × trial. */
export interface ReplayScope {
  mode: ReplayMode
  /** Absolute path of the recordings file (`__recordings__/<eval file>.jsonl`). */
  file: string
  trial: number
  /** Item id: part of the key of recorded() values (HTTP calls are told apart by their body). */
  item: string
  /** Version salt: changing it invalidates every recording. */
  salt: string
  /** Body fields to redact: a key name (any depth) or a dot path from the root. */
  redact: readonly string[]
  /** Occurrences of each request key so far: the nth identical call gets its own recording. */
  occurrences: Map<string, number>
  stats: ReplayStats
  /**
   * Replay errors met by this item (strict misses, unreadable files). SDKs often wrap a failed
   * request in their own error ("Connection error."), so the item's error is completed with these.
   */
  problems: string[]
}

// One AsyncLocalStorage per process, shared by every bundled copy of evalgate (root and judges).
const STORAGE = Symbol.for('evalgate.replay.scope')
type Holder = { [STORAGE]?: AsyncLocalStorage<ReplayScope> }

function storage(): AsyncLocalStorage<ReplayScope> {
  const holder = globalThis as Holder
  holder[STORAGE] ??= new AsyncLocalStorage<ReplayScope>()
  return holder[STORAGE]
}

export function currentScope(): ReplayScope | undefined {
  return storage().getStore()
}

export function runInScope<T>(scope: ReplayScope, fn: () => T): T {
  return storage().run(scope, fn)
}

/** The occurrence number of this request key in the scope (0 for the first). */
export function nextOccurrence(scope: ReplayScope, key: string): number {
  const n = scope.occurrences.get(key) ?? 0
  scope.occurrences.set(key, n + 1)
  return n
}

/** Gives an occurrence back (a call that was not recorded, e.g. a 429 that will be retried). */
export function releaseOccurrence(scope: ReplayScope, key: string): void {
  const n = scope.occurrences.get(key) ?? 0
  if (n > 0) scope.occurrences.set(key, n - 1)
}
