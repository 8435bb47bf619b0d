import { join, resolve } from 'node:path'
import { installReplay } from '../../replay/install.js'
import { REPLAY_MODES, ReplayConfigError, type ReplayMode } from '../../replay/mode.js'
import { emptyStats, type ReplayScope } from '../../replay/scope.js'
import { replaySettings } from '../../replay/settings.js'

/**
 * Record/replay of agent calls (src/replay), as the server does for its judges' calls. Off unless
 * `EVALGATE_AGENT_REPLAY` names a mode (`auto`, `replay`, `strict`, `record`): an evaluation run
 * normally exists to see what the agent answers now. With a mode, each row's call is keyed like a
 * judge's (method, path, canonical body, trial, salt, occurrence) and recorded in
 * `<EVALGATE_AGENT_RECORDINGS, default .evalgate/agent-recordings>/<test case>--<agent>.jsonl`
 * (relative to the server's working directory).
 */
export const AGENT_REPLAY_ENV = 'EVALGATE_AGENT_REPLAY'
export const AGENT_RECORDINGS_ENV = 'EVALGATE_AGENT_RECORDINGS'

export function agentReplayMode(env: NodeJS.ProcessEnv = process.env): ReplayMode {
  const raw = env[AGENT_REPLAY_ENV]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return 'off'
  if (!REPLAY_MODES.includes(raw as ReplayMode))
    throw new ReplayConfigError(
      `${AGENT_REPLAY_ENV}=${JSON.stringify(env[AGENT_REPLAY_ENV])} is not a replay mode; use one of ${REPLAY_MODES.join(', ')}`,
    )
  return raw as ReplayMode
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'x'
}

export function agentRecordingsFile(
  testCase: string,
  agent: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const dir = env[AGENT_RECORDINGS_ENV] || join('.evalgate', 'agent-recordings')
  return resolve(dir, `${safeFileName(testCase)}--${safeFileName(agent)}.jsonl`)
}

/** The replay scope of one row's call, or undefined when agent replay is off. */
export function agentReplayScope(mode: ReplayMode, file: string, itemId: string): ReplayScope | undefined {
  if (mode === 'off') return undefined
  installReplay()
  const { redact, salt } = replaySettings()
  return {
    mode,
    file,
    item: itemId,
    trial: 0,
    salt,
    redact,
    occurrences: new Map(),
    stats: emptyStats(),
    problems: [],
  }
}
