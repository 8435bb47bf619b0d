/**
 * Builds src/cli/main.ts into one ESM file (esbuild, packages external) so tests can spawn the real
 * `evalgate` command as a child process without a TypeScript loader. The bundle lives under
 * node_modules/.cache so package imports resolve from the repository.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

let built: Promise<string> | null = null

/** Bundles `entry` (a src/ module) into one ESM file for Node 22+, packages external. */
export async function bundleForNode(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    outfile,
    logLevel: 'error',
  })
}

/** The embedded server's thread script, bundled as tsup bundles it (dist/server/embedded-thread.js). */
export function bundleEmbeddedThread(outfile: string): Promise<void> {
  return bundleForNode(join(root, 'src/server/embedded-thread.ts'), outfile)
}

/** Bundles the CLI once per test process; later calls reuse the same file. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const outdir = join(root, 'node_modules', '.cache', `evalgate-cli-test-${process.pid}`)
    mkdirSync(outdir, { recursive: true })
    const outfile = join(outdir, 'main.mjs')
    await bundleForNode(join(root, 'src/cli/main.ts'), outfile)
    return outfile
  })()
  return built
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams
  url: string
  stdout(): string
  stderr(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Spawns `evalgate serve --port 0 …` (in `cwd`) and resolves once it printed its URL. */
export async function spawnServe(
  cli: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd: string = tmpdir(),
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        child.stdout.off('data', onData)
        resolve(m[1]!)
      }
    }
    child.stdout.on('data', onData)
    exited.then(({ code, signal }) =>
      reject(new Error(`serve exited early (${code ?? signal}): ${err}${out}`)),
    )
  })
  return { child, url, stdout: () => out, stderr: () => err, exited }
}

/** Runs the CLI to completion (in `cwd`, a temp dir by default, so nothing lands in the repo). */
export function runCli(
  cli: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd: string = tmpdir(),
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
