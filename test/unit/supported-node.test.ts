import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { MIN_NODE, unsupportedNodeMessage } from '../../src/util/supported-node.js'
import { evalgate } from '../../src/vitest/plugin.js'

describe('supported Node versions', () => {
  test('MIN_NODE is engines.node of package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.major}.${MIN_NODE.minor}`)
  })

  test.each([
    ['20.20.2', false],
    ['22.11.0', false],
    ['22.12.0', true],
    ['22.20.1', true],
    ['24.21.0', true],
    ['26.0.0', true],
  ])('Node %s supported: %s', (version, supported) => {
    const message = unsupportedNodeMessage(version)
    expect(message === undefined).toBe(supported)
    if (message)
      expect(message).toBe(
        `evalgate needs Node.js >= 22.12 (this is Node.js ${version}); install Node 22, 24 or newer`,
      )
  })

  test('this Node is supported: the plugin loads', () => {
    expect(evalgate().name).toBe('evalgate')
  })

  // The machine's own Node 20 (outside node_modules/.bin), when there is one: the CLI says one line.
  const systemNode = (() => {
    try {
      const path = execFileSync('sh', ['-c', 'PATH=/usr/local/bin:/usr/bin:/bin command -v node'], {
        encoding: 'utf8',
      }).trim()
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
      return version.startsWith('v20.') ? path : undefined
    } catch {
      return undefined
    }
  })()
  test.skipIf(!systemNode)(
    'the CLI on Node 20 prints one line naming the required version and exits 1',
    async () => {
      const { buildCli } = await import('../helpers/cli.js')
      const cli = await buildCli()
      let result: { status: number | null; stderr: string; stdout: string }
      try {
        execFileSync(systemNode!, [cli, 'runs'], { encoding: 'utf8', stdio: 'pipe' })
        result = { status: 0, stderr: '', stdout: '' }
      } catch (error) {
        result = error as { status: number; stderr: string; stdout: string }
      }
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(
        /^evalgate needs Node\.js >= 22\.12 \(this is Node\.js 20\.[\d.]+\); install Node 22, 24 or newer\n$/,
      )
    },
  )
})
