import { describe, expect, test } from 'vitest'
import { colorEnabled, terminalColors } from '../../src/util/colors.js'

describe('terminal colours', () => {
  test.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: false }, {}, false],
    [{}, {}, false],
    [{ isTTY: true }, { TERM: 'dumb' }, false],
    [{ isTTY: true }, { NO_COLOR: '1' }, false],
    [{ isTTY: true }, { NO_COLOR: '' }, false],
    [{ isTTY: false }, { FORCE_COLOR: '1' }, true],
    [{ isTTY: true }, { FORCE_COLOR: '0' }, false],
    [{ isTTY: true }, { FORCE_COLOR: 'false' }, false],
    [{ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
  ])('stream %o, env %o → %s', (stream, env, expected) => {
    expect(colorEnabled(stream, env)).toBe(expected)
  })

  test('off: plain text, no escape bytes; on: ANSI colour codes', () => {
    expect(terminalColors(false).green('✓ passed')).toBe('✓ passed')
    expect(terminalColors(true).red('✗')).toBe('\u001b[31m✗\u001b[39m')
  })
})
