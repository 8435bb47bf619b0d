/** Replay settings a project may set (in a setup file or at the top of an eval file). */
export interface ReplaySettings {
  /** Request body fields never written to recordings: a key name (any depth) or a dot path from the root. */
  redact?: string[]
  /** Version salt: change it to invalidate every recording (default `EVALGATE_REPLAY_SALT` or ''). */
  salt?: string
}

const SETTINGS = Symbol.for('evalgate.replay.settings')
type Holder = { [SETTINGS]?: ReplaySettings }

/** Sets this worker's replay settings (merged with earlier calls). */
export function configureReplay(settings: ReplaySettings): void {
  if (
    settings.redact !== undefined &&
    (!Array.isArray(settings.redact) || settings.redact.some((f) => typeof f !== 'string' || f === ''))
  ) {
    throw new TypeError('configureReplay: redact must be a list of field names or dot paths')
  }
  if (settings.salt !== undefined && typeof settings.salt !== 'string') {
    throw new TypeError('configureReplay: salt must be a string')
  }
  const holder = globalThis as Holder
  holder[SETTINGS] = { ...holder[SETTINGS], ...settings }
}

export function replaySettings(env: NodeJS.ProcessEnv = process.env): Required<ReplaySettings> {
  const own = (globalThis as Holder)[SETTINGS] ?? {}
  return { redact: own.redact ?? [], salt: own.salt ?? env.EVALGATE_REPLAY_SALT ?? '' }
}
