import type { EvalMeta } from '../schema/meta.js'
import type { EvalgateSettings } from './settings.js'

declare module 'vitest' {
  interface ProvidedContext {
    evalgate?: EvalgateSettings
  }
  interface TaskMeta {
    evalgate?: EvalMeta
  }
}
