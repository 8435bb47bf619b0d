// Spawns `vitest run` on a scratch copy of test/fixtures/replay/evals and returns its output and
// the eval tests' results (from the JSON reporter's meta).
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EvalMeta } from '../../src/schema/meta.js'
import { childEnv, runVitestJson } from '../helpers/vitest-json.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
const config = join(repo, 'test/fixtures/replay/vitest.config.ts')

/** A scratch project: the fixture's evals and a link to the repo's node_modules (for `openai`). */
export function scratchProject(): string {
  const work = mkdtempSync(join(tmpdir(), 'evalgate-replay-'))
  cpSync(join(repo, 'test/fixtures/replay/evals'), join(work, 'evals'), { recursive: true })
  symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'), 'dir')
  return work
}

export interface FixtureRun {
  code: number | null
  output: string
  tests: { title: string; status: string; meta: EvalMeta | undefined; failure: string }[]
}

export async function runFixture(
  work: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<FixtureRun> {
  const { code, output, report } = await runVitestJson<{
    testResults: {
      assertionResults: {
        title: string
        status: string
        meta?: { evalgate?: EvalMeta }
        failureMessages?: string[]
      }[]
    }[]
  }>({
    config,
    cwd: work,
    reportFile: join(work, `report-${Date.now()}-${Math.random().toString(36).slice(2)}.json`),
    env: childEnv(
      [
        'CI',
        'EVALGATE_REPLAY',
        'EVALGATE_URL',
        'EVALGATE_JUDGE_MODEL',
        'OPENAI_API_KEY',
        'OPENAI_BASE_URL',
        'GITHUB_ACTIONS',
      ],
      { FIXTURE_WORK_DIR: work, NO_COLOR: '1', ...env },
    ),
    args,
  })
  const tests = report.testResults.flatMap((file) =>
    file.assertionResults.map((test) => ({
      title: test.title,
      status: test.status,
      meta: test.meta?.evalgate,
      failure: (test.failureMessages ?? []).join('\n'),
    })),
  )
  return { code, output, tests }
}
