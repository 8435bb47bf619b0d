import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildCli } from '../helpers/cli.js'

import { freePort } from '../helpers/postgres.js'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const FIXTURE = join(REPO, 'test/fixtures/reporter-basic')
export const VITEST_BIN = join(REPO, 'node_modules/vitest/vitest.mjs')

export interface Spawned {
  code: number
  stdout: string
  stderr: string
  /** stdout + stderr, ANSI colours removed. */
  output: string
}

/** Environment without anything that would change the reporter's behaviour from outside the test. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('EVALGATE_') ||
      key.startsWith('FIXTURE_') ||
      key.startsWith('VITEST') ||
      key === 'GITHUB_STEP_SUMMARY' ||
      key === 'GITHUB_RUN_ID' ||
      key === 'CI_PIPELINE_ID' ||
      key === 'BUILDKITE_BUILD_ID' ||
      key === 'CIRCLE_WORKFLOW_ID' ||
      key === 'TEST' ||
      key === 'NODE_ENV'
    ) {
      delete env[key]
    }
  }
  env.NO_COLOR = '1'
  env.FORCE_COLOR = '0'
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

export function spawnProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; onStdout?: (chunk: string) => void },
): { child: ChildProcess; done: Promise<Spawned> } {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    options.onStdout?.(chunk)
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const done = new Promise<Spawned>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout,
        stderr,
        output: stripAnsi(`${stdout}\n${stderr}`),
      })
    })
  })
  return { child, done }
}

/** `vitest run` on the reporter fixture, with FIXTURE_* knobs and a state dir of its own. */
export function runFixture(
  env: Record<string, string | undefined>,
  args: string[] = [],
  cwd: string = FIXTURE,
): Promise<Spawned> {
  return spawnProcess(process.execPath, [VITEST_BIN, 'run', ...args], { cwd, env: cleanEnv(env) }).done
}

/** A fresh directory for one test's embedded database and outbox. */
export function stateDir(prefix = 'evalgate-reporter-'): {
  dir: string
  db: string
  outbox: string
  cleanup(): void
} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    db: join(dir, 'evalgate.db'),
    outbox: join(dir, 'outbox'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
) {
  const cli = await buildCli()
  return spawnProcess(process.execPath, [cli, ...args], { cwd: options.cwd, env: cleanEnv(options.env) }).done
}

export interface ServeProcess {
  url: string
  child: ChildProcess
  output(): string
  /** SIGTERM and wait. */
  stop(): Promise<void>
  /** SIGKILL and wait (a crash). */
  kill(): Promise<void>
}

/** A standalone `evalgate serve` process on a free loopback port. */
export async function startServe(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<ServeProcess> {
  const cli = await buildCli()
  const port = await freePort()
  let out = ''
  const { child, done } = spawnProcess(process.execPath, [cli, 'serve', '--port', String(port), ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    timeoutMs: 600_000,
    onStdout: (chunk) => {
      out += chunk
    },
  })
  const url = `http://127.0.0.1:${port}`
  const started = Date.now()
  while (!out.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`evalgate serve exited: ${(await done).output}`)
    if (Date.now() - started > 60_000) throw new Error(`evalgate serve did not start: ${out}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const wait = async () => {
    await done
  }
  return {
    url,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await wait()
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
      await wait()
    },
  }
}

/** Lines of every JSONL file in a directory (outbox inspection). */
export function readJsonl(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown)
}
