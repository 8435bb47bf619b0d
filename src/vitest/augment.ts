import type { ReplayStats } from '../replay/scope.js'
import type { EvalMeta } from '../schema/meta.js'
import type { EvalgateSettings } from './settings.js'

declare module 'vitest' {
  interface ProvidedContext {
    evalgate?: EvalgateSettings
    /** `vitest -u`: record every model call afresh. */
    evalgateReplayUpdate?: boolean
  }
  interface TaskMeta {
    evalgate?: EvalMeta
    evalgateReplay?: ReplayStats
  }
}
