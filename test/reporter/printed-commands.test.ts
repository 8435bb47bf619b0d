import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { freePort } from '../helpers/postgres.js'
import { cleanEnv, FIXTURE, REPO, runCli, runFixture, spawnProcess, stateDir, VITEST_BIN } from './helpers.js'

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
  /** A state directory (database, outbox) of the test's own, removed after it. */
  const freshState = () => {
    const state = stateDir()
    states.push(state)
    return state
  }

  // Like `npm run evals`: Vitest started at the repository's root with the project in a folder.
  test('the `view:` and `dashboard:` lines of a real run, run as printed in the same directory, show that run', async () => {
    ensureBin()
    const state = freshState()
    const run = await runFixture(
      { FIXTURE_STATE_DIR: state.dir, FIXTURE_FAIL: '1', FIXTURE_GATE_PASSRATE: '0.9' },
      ['--root', relative(REPO, FIXTURE)],
      REPO,
    )
    expect(run.code, run.output).toBe(0)
    const printed = /view: (npx evalgate show [^)·]+?) · dashboard: (npx evalgate ui [^)]+)\)/.exec(
      run.output,
    )
    expect(printed, run.output).not.toBeNull()
    const [, view, dashboard] = printed!
    const runId = /npx evalgate show (\S+)/.exec(view!)![1]!
    // Through a shell, as a person pasting it would; PATH as the shell has it.
    const shown = await spawnProcess('sh', ['-c', view!], { cwd: REPO, env: cleanEnv() }).done
    expect(shown.code, shown.output).toBe(0)
    expect(shown.output).toContain(runId)
    expect(shown.output).toContain('sums')
    // The dashboard line starts a server that names the run's page; the page and its data answer.
    // In its own process group: npx's child keeps serving if only npx gets the signal.
    const ui = spawn('sh', ['-c', dashboard!], {
      cwd: REPO,
      env: cleanEnv({ CI: 'true' }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    ui.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    const exited = new Promise((resolve) => ui.on('close', resolve))
    try {
      const deadline = Date.now() + 60_000
      while (!/evalgate dashboard: (\S+)/.test(stdout) && Date.now() < deadline && ui.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 100))
      const pageUrl = /evalgate dashboard: (\S+)/.exec(stdout)?.[1]
      expect(pageUrl, stdout).toContain(runId)
      const page = await fetch(pageUrl!)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toContain('text/html')
      const data = await fetch(new URL(`/api/v1/runs/${runId}`, pageUrl))
      expect(((await data.json()) as { suiteName: string }).suiteName).toBe('sums')
    } finally {
      process.kill(-ui.pid!, 'SIGTERM')
      await exited
    }
  }, 300_000)

  test("the closing line: gates accept failing items → exit 0, reconciling Vitest's failed count", async () => {
    const state = freshState()
    const run = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '2',
      FIXTURE_GATE_PASSRATE: '0.8',
    })
    expect(run.code, run.output).toBe(0)
    expect(run.output).toMatch(/Tests\s+2 failed/)
    expect(lastLine(run.output)).toBe(
      'evalgate: exit 0 — 1 gate passed; 2 failed eval tests are within its gate',
    )
  })

  test('the closing line: a failed gate → exit 1 naming the condition', async () => {
    const state = freshState()
    const run = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '5',
      FIXTURE_GATE_PASSRATE: '0.8',
    })
    expect(run.code, run.output).toBe(1)
    expect(lastLine(run.output)).toBe('evalgate: exit 1 — gate failed for sums: pass rate 0.75 < 0.80')
  })

  test('the closing line: a failing non-eval test → exit 1 although the gate holds', async () => {
    const state = freshState()
    const run = await runFixture({
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_FAIL: '1',
      FIXTURE_GATE_PASSRATE: '0.8',
      FIXTURE_UNIT_FAIL: '1',
    })
    expect(run.code, run.output).toBe(1)
    expect(lastLine(run.output)).toBe('evalgate: exit 1 — 1 failed non-eval test')
  })

  test('the closing line: server unreachable → exit 1 saying so; with warn → exit 0 saying the gate was not checked', async () => {
    const state = freshState()
    const port = await freePort()
    const env = {
      FIXTURE_STATE_DIR: state.dir,
      FIXTURE_GATE_PASSRATE: '0.8',
      EVALGATE_URL: `http://127.0.0.1:${port}`,
    }
    const failing = await runFixture(env)
    expect(failing.code, failing.output).toBe(1)
    expect(lastLine(failing.output)).toMatch(
      /^evalgate: exit 1 — gate of sums could not be checked: .*127\.0\.0\.1/,
    )
    const warned = await runFixture({ ...env, EVALGATE_ON_SERVER_ERROR: 'warn' })
    expect(warned.code, warned.output).toBe(0)
    expect(lastLine(warned.output)).toBe(
      'evalgate: exit 0 — 1 suite not checked (EVALGATE_ON_SERVER_ERROR=warn)',
    )
  })

  test('colour: NO_COLOR output has no escape bytes; FORCE_COLOR paints the marks; GitHub gets an annotation', async () => {
    const state = freshState()
    const env = { FIXTURE_STATE_DIR: state.dir, FIXTURE_FAIL: '1', FIXTURE_GATE_PASSRATE: '0.8' }
    const plain = await runFixture(env)
    expect(plain.stdout + plain.stderr).not.toContain('\u001b')
    const coloured = await spawnProcess(process.execPath, [VITEST_BIN, 'run'], {
      cwd: FIXTURE,
      env: { ...cleanEnv(env), NO_COLOR: undefined, FORCE_COLOR: '1', GITHUB_ACTIONS: 'true' },
    }).done
    expect(coloured.code, coloured.output).toBe(0)
    expect(coloured.stdout).toContain('\u001b[32m✓\u001b[39m evalgate')
    expect(coloured.stdout).toContain('\u001b[32mevalgate: exit 0 — 1 gate passed')
    expect(coloured.stdout).toMatch(
      /^::notice title=evalgate::evalgate: exit 0 — 1 gate passed; 1 failed eval test is within its gate$/m,
    )
  })
  test('CLI colour: evalgate runs/show paint marks with FORCE_COLOR and print no escape byte otherwise', async () => {
    const state = freshState()
    const run = await runFixture({ FIXTURE_STATE_DIR: state.dir, FIXTURE_GATE_PASSRATE: '0.8' })
    expect(run.code, run.output).toBe(0)
    const runId = /npx evalgate show (\S+)/.exec(run.output)![1]!
    for (const command of [['runs'], ['show', runId]]) {
      const plain = await runCli([...command, '--db', state.db], { cwd: FIXTURE })
      expect(plain.code, plain.output).toBe(0)
      expect(plain.stdout).not.toContain('\u001b')
      const coloured = await runCli([...command, '--db', state.db], {
        cwd: FIXTURE,
        env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
      })
      expect(coloured.stdout).toContain('\u001b[32m✓')
    }
  })
})

/** The last line evalgate printed (Vitest's own summary may follow it). */
function lastLine(output: string): string | undefined {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('evalgate: exit'))
    .at(-1)
}
