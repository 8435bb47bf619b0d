import { createRequire } from 'node:module'
import type { Dispatcher } from 'undici'
import { replayInterceptor } from './interceptor.js'

const INSTALLED = Symbol.for('evalgate.replay.installed')
type Holder = { [INSTALLED]?: boolean }

/** Where undici (npm's and the copy inside Node that runs `fetch`) keeps the global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1')
const GLOBAL_DISPATCHER_2 = Symbol.for('undici.globalDispatcher.2')

/**
 * Composes the replay interceptor over the process's global dispatcher, once. Node's `fetch`, undici
 * and the SDKs built on them send every request through it; requests made outside an eval item's
 * replay scope pass through untouched.
 *
 * undici itself (~80 CommonJS modules, ~150 ms of CPU) is loaded on the first use of the global
 * dispatcher, not here: every Vitest worker running describeEval installs replay, most eval runs
 * of a worker make no HTTP call at all (or none before the first item starts). Until then the
 * global dispatcher is a stand-in that, on any use, loads undici, installs the composed dispatcher
 * with undici's own `setGlobalDispatcher` and forwards to it.
 */
export function installReplay(): void {
  const holder = globalThis as Holder
  if (holder[INSTALLED]) return
  holder[INSTALLED] = true
  const globals = globalThis as unknown as Record<symbol, Dispatcher | undefined>
  // The dispatcher in place now (a user's agent or mock, or undici's own once loaded), else
  // undici's default Agent, as `getGlobalDispatcher()` would have created it.
  const previous = globals[GLOBAL_DISPATCHER]
  let real: Dispatcher | undefined
  const materialize = (): Dispatcher => {
    if (real) return real
    const undici = createRequire(import.meta.url)('undici') as typeof import('undici')
    real = (previous ?? new undici.Agent()).compose(replayInterceptor())
    undici.setGlobalDispatcher(real)
    return real
  }
  const standIn = new Proxy({} as Dispatcher, {
    get(_target, property) {
      const target = materialize()
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
    set: (_target, property, value) => Reflect.set(materialize(), property, value),
    has: (_target, property) => Reflect.has(materialize(), property),
    getPrototypeOf: () => Object.getPrototypeOf(materialize()),
  })
  // The attributes undici's setGlobalDispatcher gives them, so that it can replace the stand-in.
  for (const key of [GLOBAL_DISPATCHER, GLOBAL_DISPATCHER_2]) {
    Object.defineProperty(globalThis, key, {
      value: standIn,
      writable: true,
      enumerable: false,
      configurable: false,
    })
  }
}
