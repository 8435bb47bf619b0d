import { getGlobalDispatcher, setGlobalDispatcher } from 'undici'
import { replayInterceptor } from './interceptor.js'

const INSTALLED = Symbol.for('evalgate.replay.installed')
type Holder = { [INSTALLED]?: boolean }

/**
 * Composes the replay interceptor over the process's global dispatcher, once. Node's `fetch`, undici
 * and the SDKs built on them send every request through it; requests made outside an eval item's
 * replay scope pass through untouched.
 */
export function installReplay(): void {
  const holder = globalThis as Holder
  if (holder[INSTALLED]) return
  setGlobalDispatcher(getGlobalDispatcher().compose(replayInterceptor()))
  holder[INSTALLED] = true
}
