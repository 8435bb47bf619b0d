import { expect, test } from 'vitest'
import { canOpenBrowser } from '../../src/cli/commands/ui.js'

test.runIf(process.platform === 'linux')(
  'evalgate ui opens a browser only on a TTY with a desktop, never in CI',
  () => {
    expect(canOpenBrowser({ DISPLAY: ':0' }, true)).toBe(true)
    expect(canOpenBrowser({ WAYLAND_DISPLAY: 'wayland-0' }, true)).toBe(true)
    expect(canOpenBrowser({ DISPLAY: ':0' }, false)).toBe(false) // piped / spawned by a test
    expect(canOpenBrowser({ DISPLAY: ':0', CI: 'true' }, true)).toBe(false)
    expect(canOpenBrowser({ DISPLAY: ':0', CI: '1' }, true)).toBe(false)
    expect(canOpenBrowser({ DISPLAY: ':0', CI: 'false' }, true)).toBe(true)
    expect(canOpenBrowser({}, true)).toBe(false) // no desktop session (ssh, container)
  },
)
