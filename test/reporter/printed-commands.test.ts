import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { cleanEnv, FIXTURE, REPO, runFixture, spawnProcess, stateDir } from './helpers.js'

// `npm install` bundles the bin (scripts/prepare.mjs); bundle it here too when it is missing.
function ensureBin(): void {
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) {
    execFileSync(process.execPath, ['scripts/prepare.mjs'], { cwd: REPO, stdio: 'ignore' })
  }
}

describe('every command evalgate prints works where it is printed', () => {
  const states: Array<ReturnType<typeof stateDir>> = []
  afterEach(() => {
    for (const state of states.splice(0)) state.cleanup()
  })

  // Like `npm run evals`: Vitest started at the repository's root with the project in a folder.
  test('the `view:` line of a real run, run as printed in the same directory, shows that run', async () => {
    ensureBin()
    const state = stateDir()
    states.push(state)
    const run = await runFixture(
      { FIXTURE_STATE_DIR: state.dir, FIXTURE_FAIL: '1', FIXTURE_GATE_PASSRATE: '0.9' },
      ['--root', relative(REPO, FIXTURE)],
      REPO,
    )
    expect(run.code, run.output).toBe(0)
    const printed = /view: (npx evalgate show [^)]+)\)/.exec(run.output)?.[1]
    expect(printed, run.output).toBeDefined()
    const runId = /npx evalgate show (\S+)/.exec(printed!)![1]!
    // Through a shell, as a person pasting it would; PATH as the shell has it.
    const shown = await spawnProcess('sh', ['-c', printed!], { cwd: REPO, env: cleanEnv() }).done
    expect(shown.code, shown.output).toBe(0)
    expect(shown.output).toContain(runId)
    expect(shown.output).toContain('sums')
  })
})
