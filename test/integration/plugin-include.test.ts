import { matchesGlob } from 'node:path'
import { describe, expect, test } from 'vitest'
import { isEvalFile } from '../../src/vitest/eval-files.js'
import { EVAL_FILE_PATTERN, withEvalFiles } from '../../src/vitest/plugin.js'
import { runFixture } from './describe-eval-harness.js'

const files = (run: Awaited<ReturnType<typeof runFixture>>) =>
  run.report.testResults.map((file) => file.name.replace(/^.*plugin-include\//, '')).sort()

describe('the plugin collects eval files (fixture plugin-include)', () => {
  test('with no include in the config: Vitest defaults plus *.eval.* files', async () => {
    const run = await runFixture('plugin-include')
    expect(run.code, run.output).toBe(0)
    expect(files(run)).toEqual(['evals/agent.eval.mjs', 'evals/faq.eval.ts', 'tests/unit.test.ts'])
    expect(run.tests.map((t) => t.fullName).sort()).toEqual([
      'a plain unit test beside the evals',
      'agent #0 a',
      'faq #0 ping',
    ])
  })

  test("with the user's own include: kept, and eval files added", async () => {
    const run = await runFixture('plugin-include', [], { FIXTURE_INCLUDE: 'specs' })
    expect(run.code, run.output).toBe(0)
    expect(files(run)).toEqual(['evals/agent.eval.mjs', 'evals/faq.eval.ts', 'specs/user.check.ts'])
  })

  test('withEvalFiles keeps patterns; a user pattern that names eval files is left alone', () => {
    expect(withEvalFiles(['a/**/*.ts'])).toEqual(['a/**/*.ts', EVAL_FILE_PATTERN])
    expect(withEvalFiles([EVAL_FILE_PATTERN])).toEqual([EVAL_FILE_PATTERN])
    expect(withEvalFiles(['llm/**/*.eval.ts', 'x.test.ts'])).toEqual(['llm/**/*.eval.ts', 'x.test.ts'])
    expect(withEvalFiles(undefined)).toContain(EVAL_FILE_PATTERN)
    expect(withEvalFiles(undefined).length).toBeGreaterThan(1)
  })

  test("isEvalFile (the reporter's rule) says what the include glob says", () => {
    const paths = [
      'faq.eval.ts',
      '/abs/evals/faq.eval.mjs',
      'a/b/agent.eval.tsx',
      'x/a.eval.cjs',
      'x/a.eval.mts',
      'x/a.eval.jsx',
      'x/a.eval.js',
      'x/a.evals.ts',
      'x/a.eval.json',
      'x/a.eval.ts.bak',
      'x/eval.ts',
      'x/.eval.ts',
      'x/a.eval.d',
      'x/a.test.ts',
      'x.eval.ts/a.test.ts',
    ]
    for (const path of paths) {
      expect(isEvalFile(path), path).toBe(matchesGlob(path.replace(/^\//, ''), EVAL_FILE_PATTERN))
    }
    expect(paths.filter(isEvalFile).length).toBe(7)
  })
})
