// The reporter loads its upload machinery (reporter/runtime.ts) when a run first needs it. Should
// that load fail (a broken install, a missing chunk), the eval results it could not take fail the
// run with the reason, instead of the run passing with nothing uploaded.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test, vi } from 'vitest'
import type { TestCase, Vitest } from 'vitest/node'
import { EvalgateReporter } from '../../reporter/reporter.js'
import { EVAL_META_KEY } from '../../src/schema/meta-key.js'

vi.mock('../../reporter/runtime.js', () => {
  throw new Error('the runtime chunk is missing')
})

const root = mkdtempSync(join(tmpdir(), 'evalgate-runtime-load-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the reporter without its runtime', () => {
  test('an eval result it cannot take fails the run, saying why', async () => {
    const lines: string[] = []
    const vitest = {
      config: { root, watch: false, shard: null, ui: false, reporters: [] },
      onClose() {},
      logger: { log: (line: string) => lines.push(line) },
    } as unknown as Vitest
    const reporter = new EvalgateReporter({ env: {} })
    expect(reporter.onInit(vitest)).toBeUndefined()
    // No eval file among the specifications and no database yet: nothing is loaded at the start.
    reporter.onTestRunStart([])
    const testCase = {
      id: 't1',
      fullName: 'qa > #0',
      module: { moduleId: join(root, 'qa.eval.ts') },
      meta: () => ({ [EVAL_META_KEY]: { schemaVersion: 1 } }),
      result: () => ({ state: 'passed' }),
    } as unknown as TestCase
    await reporter.onTestCaseResult(testCase)

    const previous = process.exitCode
    try {
      await reporter.onTestRunEnd([], [], 'passed')
      expect(process.exitCode).toBe(1)
    } finally {
      process.exitCode = previous
    }
    const output = lines.join('\n')
    // the import's own error (Vitest wraps the mock factory's), then the verdict that counts it
    expect(output).toMatch(/evalgate: reporter error: \S/)
    expect(output).toContain('evalgate: exit 1 — 1 invalid evalgate payload')
  })
})
