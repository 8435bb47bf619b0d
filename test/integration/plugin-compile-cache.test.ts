import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { COMPILE_CACHE_DIR, workerCompileCacheDir } from '../../src/vitest/compile-cache.js'
import { evalgate } from '../../src/vitest/plugin.js'
import { type FixtureRun, runFixture } from './describe-eval-harness.js'

const root = fileURLToPath(new URL('../fixtures/plugin-compile-cache', import.meta.url))
const noCacheEnv = { NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined }

function probe(run: FixtureRun): { variable: string | null; cacheDir: string | null } {
  expect(run.code, run.output).toBe(0)
  const test = run.tests.find((t) => t.title === 'probe')
  expect(test, run.output).toBeDefined()
  return test!.meta.probe as { variable: string | null; cacheDir: string | null }
}

describe("the plugin gives Vitest's workers Node's compile cache (fixture plugin-compile-cache)", () => {
  test('by default: NODE_COMPILE_CACHE under node_modules/.cache, and the cache is on in the worker', async () => {
    const { variable, cacheDir } = probe(await runFixture('plugin-compile-cache', [], noCacheEnv))
    expect(variable).toBe(join(root, COMPILE_CACHE_DIR))
    // Node appends its version and a hash to the directory it was given.
    expect(cacheDir?.startsWith(join(root, COMPILE_CACHE_DIR))).toBe(true)
  })

  test('compileCache: false leaves the workers without it', async () => {
    const run = await runFixture('plugin-compile-cache', [], { ...noCacheEnv, FIXTURE_COMPILE_CACHE: 'off' })
    expect(probe(run)).toEqual({ variable: null, cacheDir: null })
  })

  test("the user's own choice stands: NODE_COMPILE_CACHE in the environment or in test.env", async () => {
    const own = join(root, 'node_modules', '.cache', 'own-choice')
    const fromEnv = probe(
      await runFixture('plugin-compile-cache', [], { ...noCacheEnv, NODE_COMPILE_CACHE: own }),
    )
    expect(fromEnv.variable).toBe(own)
    const fromTestEnv = probe(
      await runFixture('plugin-compile-cache', [], { ...noCacheEnv, FIXTURE_TEST_ENV: '1' }),
    )
    expect(fromTestEnv.variable).toBe(join(root, 'node_modules', '.cache', 'from-test-env'))
    const disabled = probe(
      await runFixture('plugin-compile-cache', [], { ...noCacheEnv, NODE_DISABLE_COMPILE_CACHE: '1' }),
    )
    expect(disabled).toEqual({ variable: null, cacheDir: null })
  })
})

describe('workerCompileCacheDir', () => {
  const dir = join('/p', COMPILE_CACHE_DIR)

  test('a directory under the root unless the user chose, or coverage needs source positions', () => {
    expect(workerCompileCacheDir('/p', {}, undefined, undefined)).toBe(dir)
    expect(workerCompileCacheDir('/p', {}, {}, { enabled: false, provider: 'v8' })).toBe(dir)
    expect(workerCompileCacheDir('/p', {}, {}, { enabled: true, provider: 'istanbul' })).toBe(dir)
    expect(workerCompileCacheDir('/p', {}, {}, { enabled: true, provider: 'v8' })).toBeNull()
    expect(workerCompileCacheDir('/p', {}, {}, { enabled: true, provider: 'custom' })).toBeNull()
    expect(workerCompileCacheDir('/p', { NODE_COMPILE_CACHE: '/x' }, {}, undefined)).toBeNull()
    expect(workerCompileCacheDir('/p', { NODE_DISABLE_COMPILE_CACHE: '1' }, {}, undefined)).toBeNull()
    expect(workerCompileCacheDir('/p', {}, { NODE_COMPILE_CACHE: '/x' }, undefined)).toBeNull()
    expect(workerCompileCacheDir('/p', {}, { NODE_DISABLE_COMPILE_CACHE: '1' }, undefined)).toBeNull()
  })

  test('the option takes a boolean', () => {
    expect(() => evalgate({ compileCache: 'yes' as unknown as boolean })).toThrow(
      'evalgate(): option `compileCache` must be true or false, got "yes"',
    )
  })
})
