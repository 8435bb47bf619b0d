import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type EvalMeta, EvalMetaSchema } from '../../src/schema/meta.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const vitestCli = join(repoRoot, 'node_modules/vitest/vitest.mjs')

export interface JsonTest {
  ancestorTitles: string[]
  fullName: string
  title: string
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo'
  failureMessages: string[]
  meta: { evalgate?: unknown; [key: string]: unknown }
}

export interface FixtureRun {
  code: number | null
  /** stdout + stderr of the default reporter, colours off. */
  output: string
  report: {
    numFailedTestSuites: number
    numTotalTests: number
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    testResults: { name: string; status: string; message: string; assertionResults: JsonTest[] }[]
  }
  tests: JsonTest[]
}

/** Runs `vitest run` (a real child process) in test/fixtures/<fixture> with the default and JSON reporters. */
export async function runFixture(
  fixture: string,
  args: string[] = [],
  /** Set in the child's environment; `undefined` removes the variable. */
  extraEnv: Record<string, string | undefined> = {},
): Promise<FixtureRun> {
  const cwd = fileURLToPath(new URL(`../fixtures/${fixture}/`, import.meta.url))
  const dir = await mkdtemp(join(tmpdir(), `evalgate-${fixture}-`))
  const outputFile = join(dir, 'report.json')
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' }
  // Do not leak the parent Vitest's worker state into the child run.
  for (const key of Object.keys(env))
    if (key.startsWith('VITEST') || key === 'TEST' || key === 'NODE_ENV') delete env[key]
  for (const [key, value] of Object.entries(extraEnv)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  try {
    const child = spawn(
      process.execPath,
      [vitestCli, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...args],
      { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', resolve)
    })
    let raw: string
    try {
      raw = await readFile(outputFile, 'utf8')
    } catch {
      throw new Error(`vitest wrote no JSON report (exit code ${code}):\n${output}`)
    }
    const report = JSON.parse(raw) as FixtureRun['report']
    return { code, output, report, tests: report.testResults.flatMap((file) => file.assertionResults) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The evalgate meta of a test, validated against the schema the reporter relies on. */
export function metaOf(test: JsonTest): EvalMeta {
  return EvalMetaSchema.parse(test.meta.evalgate)
}

export function testsOfSuite(run: FixtureRun, suite: string): JsonTest[] {
  return run.tests.filter((test) => test.ancestorTitles.at(-1) === suite)
}

export function testNamed(run: FixtureRun, suite: string, title: string): JsonTest {
  const found = testsOfSuite(run, suite).find((test) => test.title === title)
  if (!found) {
    throw new Error(
      `no test ${JSON.stringify(title)} in suite ${suite}; have: ${testsOfSuite(run, suite)
        .map((t) => t.title)
        .join(', ')}`,
    )
  }
  return found
}
