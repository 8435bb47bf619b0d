// The reporter takes `meta.evalgate` out of a test once it has it, when no other configured
// reporter can read it (reporter/meta-release.ts): Vitest would otherwise hold every item's
// result until the process ends.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import type { TestCase, Vitest } from 'vitest/node'
import { canReleaseEvalMeta } from '../../reporter/meta-release.js'
import { EvalgateReporter, isEvalgateReporter } from '../../reporter/reporter.js'
import { ReplaySummaryReporter } from '../../src/vitest/replay-summary.js'
import { itemResult, suiteDef } from '../helpers/fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'evalgate-meta-release-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('canReleaseEvalMeta', () => {
  const own = new EvalgateReporter()
  test.each([
    [[['default', {}]], true],
    [['default'], true],
    [
      [
        ['dot', {}],
        ['github-actions', {}],
      ],
      true,
    ],
    [[['verbose', {}], own, new ReplaySummaryReporter()], true],
    [
      [
        ['default', {}],
        ['json', { outputFile: 'x.json' }],
      ],
      false,
    ],
    [[['junit', {}]], false],
    [[['blob', {}]], false],
    [[['html', {}]], false],
    [[['./my-reporter.ts', {}]], false],
    [[['default', {}], { onTestCaseResult() {} }], false],
  ])('%j -> %s', (reporters, expected) => {
    expect(canReleaseEvalMeta(reporters as unknown[], false, isEvalgateReporter)).toBe(expected)
  })
  test('the UI reads test meta', () => {
    expect(canReleaseEvalMeta([['default', {}]], true, isEvalgateReporter)).toBe(false)
  })
})

describe('the reporter releases the payload it took', () => {
  const payload = () => ({
    schemaVersion: 1,
    suite: suiteDef({ name: 'release' }),
    file: 'a.eval.ts',
    trials: 1,
    result: itemResult(0),
  })
  const fakeVitest = (reporters: unknown[]) =>
    ({
      config: { root: dir, watch: false, shard: null, ui: false, reporters },
      onClose() {},
      logger: { log() {} },
    }) as unknown as Vitest
  const testCase = (meta: Record<string, unknown>) =>
    ({
      id: 't1',
      fullName: 'release #0',
      meta: () => meta,
      result: () => ({ state: 'passed' }),
      module: { moduleId: join(dir, 'a.eval.ts') },
    }) as unknown as TestCase

  async function deliver(reporters: unknown[]) {
    // An unreachable server: the items go to the outbox; what matters here is the test's meta.
    const reporter = new EvalgateReporter({
      url: 'http://127.0.0.1:9',
      outboxDir: join(dir, `outbox-${reporters.length}`),
      summary: false,
    })
    reporter.onInit(fakeVitest([...reporters, reporter]))
    const sent = payload()
    const meta: Record<string, unknown> = { evalgate: sent, other: 1 }
    await reporter.onTestCaseResult(testCase(meta))
    await reporter.close()
    return { meta, sent }
  }

  test('only terminal reporters: taken out, other meta kept', async () => {
    const { meta } = await deliver([['default', {}]])
    expect(meta).toEqual({ other: 1 })
  })

  test('a JSON report is written: kept for it', async () => {
    const { meta, sent } = await deliver([
      ['default', {}],
      ['json', {}],
    ])
    expect(meta.evalgate).toBe(sent)
  })
})
