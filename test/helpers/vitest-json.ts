/**
 * Spawns a real `vitest run` of a fixture config with the default and JSON reporters, and returns
 * the exit code, the printed output (stdout + stderr) and the parsed JSON report.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../../', import.meta.url))

export interface VitestJsonRun<Report> {
  code: number | null
  output: string
  report: Report
}

export async function runVitestJson<Report>(options: {
  config: string
  cwd: string
  /** Where the JSON report is written (the caller owns and removes its directory). */
  reportFile: string
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv
  args?: string[]
}): Promise<VitestJsonRun<Report>> {
  const child = spawn(
    process.execPath,
    [
      join(repo, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      options.config,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${options.reportFile}`,
      ...(options.args ?? []),
    ],
    { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const report = JSON.parse(readFileSync(options.reportFile, 'utf8')) as Report
  return { code, output, report }
}

/** `process.env` without the given keys, plus `extra`. */
export function childEnv(
  remove: readonly string[],
  extra: Record<string, string | undefined>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of remove) delete env[key]
  return Object.assign(env, extra)
}
