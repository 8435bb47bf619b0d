import { type Colors, createColors, getDefaultColors } from 'tinyrainbow'

export type { Colors }

/**
 * Whether text written to `stream` may carry colour: `NO_COLOR` (any value) turns it off,
 * `FORCE_COLOR` turns it on unless it is `0`/`false`, and otherwise only a terminal gets colour
 * (not a pipe, a file or `TERM=dumb`). Vitest's own colours come from tinyrainbow too.
 */
export function colorEnabled(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined) return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force !== 'false'
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/** tinyrainbow's formatters, or no-op ones when colour is off. */
export function terminalColors(enabled: boolean = colorEnabled()): Colors {
  return enabled ? createColors({ force: true }) : getDefaultColors()
}
