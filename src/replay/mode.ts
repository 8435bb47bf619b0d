/**
 * What happens to a model call inside an eval:
 * - `auto`: replay a recorded answer, record a missing one (the default outside CI);
 * - `record`: always call live and (re)write the recording (`vitest -u` selects it);
 * - `replay`: replay a recorded answer, call live without writing on a miss (the default on CI);
 * - `strict`: replay, and a missing recording is an error naming the request (for offline CI);
 * - `off`: no recording or replay at all.
 */
export type ReplayMode = 'auto' | 'record' | 'replay' | 'strict' | 'off'

export const REPLAY_MODES: readonly ReplayMode[] = ['auto', 'record', 'replay', 'strict', 'off']

export class ReplayConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReplayConfigError'
  }
}

/** The mode from `EVALGATE_REPLAY`, `vitest -u` (record) and CI (replay, like snapshots not written on CI). */
export function resolveMode(env: NodeJS.ProcessEnv, update: boolean): ReplayMode {
  const raw = env.EVALGATE_REPLAY?.trim().toLowerCase()
  if (raw !== undefined && raw !== '' && !REPLAY_MODES.includes(raw as ReplayMode)) {
    throw new ReplayConfigError(
      `EVALGATE_REPLAY=${JSON.stringify(env.EVALGATE_REPLAY)} is not a replay mode; use one of ${REPLAY_MODES.join(', ')}`,
    )
  }
  if (raw === 'off') return 'off'
  if (update) return 'record'
  if (raw) return raw as ReplayMode
  return isCI(env) ? 'replay' : 'auto'
}

function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}
