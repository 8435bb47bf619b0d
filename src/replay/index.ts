// Record/replay of model calls: the undici interceptor, recordings files, scopes and recorded().
export { installReplay } from './install.js'
export { ReplayMissError, replayInterceptor } from './interceptor.js'
export { REPLAY_MODES, ReplayConfigError, type ReplayMode, resolveMode } from './mode.js'
export { recorded } from './recorded.js'
export { currentScope, emptyStats, type ReplayScope, type ReplayStats, runInScope } from './scope.js'
export { configureReplay, type ReplaySettings, replaySettings } from './settings.js'
export {
  flushRecordings,
  type RecordingEntry,
  RecordingFile,
  RecordingFileError,
  recordingFile,
  recordingsPathFor,
  resetRecordings,
} from './store.js'
