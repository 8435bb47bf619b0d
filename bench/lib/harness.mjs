// Shared helpers of the describeEval benchmarks: fixture projects, spawned `vitest run`, timing, results.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const benchDir = join(repoRoot, 'bench')
export const resultsDir = join(benchDir, 'results')
const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')
const distEntry = join(repoRoot, 'dist', 'index.js')

/** Newest modification time (ms) of any file under `dir`. */
function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs
    if (mtime > newest) newest = mtime
  }
  return newest
}

/** True when dist/ is missing or older than any file in src/ or reporter/. */
export function distIsStale() {
  if (!existsSync(distEntry)) return true
  const built = statSync(distEntry).mtimeMs
  return ['src', 'reporter'].some(
    (dir) => existsSync(join(repoRoot, dir)) && newestMtime(join(repoRoot, dir)) > built,
  )
}

let builtThisProcess = false

/**
 * Builds dist/ with tsup when it is missing or stale (BENCH_NO_BUILD=1 skips this). Returns false
 * (with the reason printed) when the build fails. `node bench/run.mjs` builds once, up front.
 */
export function ensureBuilt() {
  if (process.env.BENCH_NO_BUILD === '1' || !distIsStale()) return true
  console.log('dist/ is missing or older than src/: building with `npx tsup` …')
  const build = spawnSync('npx', ['tsup'], { cwd: repoRoot, encoding: 'utf8' })
  if (build.status === 0) {
    builtThisProcess = true
    return true
  }
  const tail = (build.stdout + build.stderr).split('\n').slice(-30).join('\n')
  console.error(`tsup failed (exit ${build.status}):\n${tail}`)
  return false
}

/**
 * Makes `evalgate` importable from fixtures under bench/.tmp/ the way users get it: an installed
 * package, bench/.tmp/node_modules/evalgate (package.json + a copy of dist/), loaded natively by
 * Node and Vite's config loader alike. Its own dependencies resolve from the repo's node_modules.
 * Without a fresh dist/ (the build failed), fixtures import the TypeScript sources instead (through
 * Vite's transform, which is slower; BENCH_FROM_SRC=1 forces this); the returned `kind` says which,
 * and benchmarks print it.
 */
export function evalgateEntries() {
  // Sources keep changing while others work: a build made by this process (or by run.mjs, which then
  // sets BENCH_NO_BUILD) is used even if a source file changed since.
  const useDist =
    process.env.BENCH_FROM_SRC !== '1' &&
    existsSync(distEntry) &&
    (builtThisProcess || process.env.BENCH_NO_BUILD === '1' || !distIsStale())
  if (useDist) {
    installBuild()
    return { kind: 'dist', index: 'evalgate', plugin: 'evalgate/vitest', alias: '' }
  }
  return {
    kind: 'src',
    index: join(repoRoot, 'src', 'index.ts'),
    plugin: join(repoRoot, 'src', 'vitest', 'plugin.ts'),
    alias: `resolve: { alias: { evalgate: ${JSON.stringify(join(repoRoot, 'src', 'index.ts'))} } },`,
  }
}

/**
 * Copies package.json + dist/ to bench/.tmp/node_modules/evalgate when the copy is missing or older
 * than dist/. Written to a temporary directory and renamed into place, so a benchmark running at
 * the same time never sees a half-written package.
 */
function installBuild() {
  // Without a package.json of their own, fixtures would sit in the scope of the repo's package.json,
  // and `import 'evalgate'` would self-reference the repo (dist/ via Vite's transform) instead.
  const scope = join(benchDir, '.tmp', 'package.json')
  if (!existsSync(scope)) {
    mkdirSync(dirname(scope), { recursive: true })
    writeFileSync(
      scope,
      `${JSON.stringify({ name: 'evalgate-bench-fixtures', private: true, type: 'module' }, null, 2)}\n`,
    )
  }
  const modules = join(benchDir, '.tmp', 'node_modules')
  const installed = join(modules, 'evalgate')
  const copyOf = join(installed, 'dist', 'index.js')
  if (existsSync(copyOf) && statSync(copyOf).mtimeMs >= statSync(distEntry).mtimeMs) return
  const staging = join(modules, `.evalgate-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  cpSync(join(repoRoot, 'package.json'), join(staging, 'package.json'))
  cpSync(join(repoRoot, 'dist'), join(staging, 'dist'), { recursive: true, preserveTimestamps: true })
  const old = join(modules, `.evalgate-old-${process.pid}`)
  if (existsSync(installed)) renameSync(installed, old)
  renameSync(staging, installed)
  rmSync(old, { recursive: true, force: true })
}

/**
 * Vitest's own phase times (ms) from its summary line: `Duration 3.26s (transform 930ms, …, import 1.53s, tests 1.27s, …)`,
 * or in Vitest 5 `Duration 441ms (import 44%, tests 24%, …)`.
 */
export function vitestPhases(output) {
  const clean = stripVTControlCharacters(output)
  const line = clean.match(/Duration\s+([\d.]+m?s)\s*\(([^)]*)\)/)
  if (!line) return null
  const ms = (text) => (text.endsWith('ms') ? Number(text.slice(0, -2)) : Number(text.slice(0, -1)) * 1000)
  const phases = { duration: ms(line[1]) }
  for (const part of line[2].split(',')) {
    const [name, value] = part.trim().split(/\s+/)
    // Vitest 5 prints each phase as a share of the duration (`import 44%`), older ones in ms.
    if (name && value)
      phases[name] = value.endsWith('%') ? (Number(value.slice(0, -1)) * phases.duration) / 100 : ms(value)
  }
  return phases
}

// Each benchmark process gets its own fixture directory, so benchmarks started at the same time by
// different people never delete each other's projects; it is removed on exit (BENCH_KEEP=1 keeps it).
const processFixtures = join(benchDir, '.tmp', `run-${process.pid}`)
process.on('exit', () => {
  if (process.env.BENCH_KEEP !== '1') rmSync(processFixtures, { recursive: true, force: true })
})

/**
 * BENCH_EVALGATE_BASE=<a dist/ directory of another build>: that build installed as a package of
 * its own under bench/.tmp/run-<pid>/base/, for interleaved before/after comparisons. Fixtures
 * written under the returned `root` resolve the bare `evalgate` to it, exactly as the current
 * build's do (an absolute path would be bundled into the config). Null without the variable.
 */
export function installBaseBuild() {
  const distDir = process.env.BENCH_EVALGATE_BASE
  if (!distDir) return null
  const root = join(processFixtures, 'base')
  const pkg = join(root, 'node_modules', 'evalgate')
  mkdirSync(pkg, { recursive: true })
  cpSync(join(repoRoot, 'package.json'), join(pkg, 'package.json'))
  cpSync(distDir, join(pkg, 'dist'), { recursive: true })
  return {
    root,
    label: `evalgate base build (${distDir})`,
    entries: { kind: 'dist', index: 'evalgate', plugin: 'evalgate/vitest', alias: '' },
  }
}

/**
 * Creates a fresh fixture project bench/.tmp/run-<pid>/<name> (inside the repo, so node_modules resolves).
 * `root` puts it elsewhere (bench/peers/.tmp/run-<pid>/ for fixtures that resolve the peers' Vitest).
 */
/**
 * What a plain Vitest fixture's `test` config adds to give its workers Node's compile cache where the
 * evalgate plugin puts it (`node_modules/.cache/node-compile-cache` under the root:
 * src/vitest/compile-cache.ts), as a user can set it: the config must import `fileURLToPath`.
 */
export const compileCacheTestEnv =
  "env: { NODE_COMPILE_CACHE: fileURLToPath(new URL('./node_modules/.cache/node-compile-cache', import.meta.url)) }"

export function writeFixture(name, files, root = processFixtures) {
  const dir = join(root, name)
  rmSync(dir, { recursive: true, force: true })
  for (const [file, content] of Object.entries(files)) {
    const path = join(dir, file)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, content)
  }
  return dir
}

/**
 * Spawns `vitest run` on a fixture and measures it: wall time (ms) from spawn to exit, and the CPU
 * time (user + system, ms) of the whole process tree from GNU time. Throws when vitest exits with
 * another code than `expectedExit`. `vitest` is the vitest.mjs to run (default: the repo's).
 */
export function runVitest(
  dir,
  {
    args = [],
    env = {},
    config = 'vitest.config.mjs',
    expectedExit = 0,
    vitest = vitestBin,
    // another CLI that runs Vitest itself (evalite): `node <script> ...args` instead of `vitest run`
    script = null,
  } = {},
) {
  const timeFile = join(dir, '.time')
  const command = existsSync('/usr/bin/time') ? '/usr/bin/time' : null
  const vitestArgs = script ? [script, ...args] : [vitest, 'run', '--config', join(dir, config), ...args]
  const argv = command ? ['-f', '%U %S', '-o', timeFile, process.execPath, ...vitestArgs] : vitestArgs
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(command ?? process.execPath, argv, {
      cwd: dir,
      env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6
      if (code !== expectedExit) {
        reject(
          new Error(
            `vitest run in ${relative(repoRoot, dir)} exited ${code} (expected ${expectedExit}):\n${output.slice(-4000)}`,
          ),
        )
        return
      }
      let cpuMs = null
      if (command && existsSync(timeFile)) {
        const [user, system] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number)
        cpuMs = (user + system) * 1000
      }
      resolve({ wallMs, cpuMs, phases: vitestPhases(output), output })
    })
  })
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const round = (value, digits = 0) => (value == null ? null : Number(value.toFixed(digits)))

/** 1-minute load average and CPU count: benchmarks on a shared machine are only comparable with this. */
export async function machineInfo() {
  const os = await import('node:os')
  return { cpus: os.cpus().length, loadavg1: round(os.loadavg()[0], 2), node: process.version }
}

export function writeResult(name, result) {
  mkdirSync(resultsDir, { recursive: true })
  const path = join(resultsDir, `${name}.json`)
  writeFileSync(path, `${JSON.stringify({ name, date: new Date().toISOString(), ...result }, null, 2)}\n`)
  return path
}

/** Prints rows (arrays of cells) as an aligned plain-text table; the first row is the header. */
export function printTable(rows) {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => String(row[col] ?? '').length)))
  const line = (row) => row.map((cell, col) => String(cell ?? '').padEnd(widths[col])).join('  ')
  console.log(line(rows[0]))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows.slice(1)) console.log(line(row))
}

/**
 * The evalgate server for benchmarks that run it in a child process: BENCH_SERVER_ENTRY, else a
 * fresh esbuild bundle of the sources (dependencies external) at bench/.tmp/<name>/server.mjs.
 */
export function buildServerBundle(name) {
  if (process.env.BENCH_SERVER_ENTRY) return resolve(process.env.BENCH_SERVER_ENTRY)
  const outfile = join(benchDir, '.tmp', name, 'server.mjs')
  execFileSync(
    join(repoRoot, 'node_modules', '.bin', 'esbuild'),
    [
      join(repoRoot, 'src', 'server', 'index.ts'),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node22',
      '--packages=external',
      `--outfile=${outfile}`,
      '--log-level=warning',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] },
  )
  return outfile
}

/**
 * `startServer` of a server bundle (buildServerBundle) in a child process, on `db`, with extra
 * start options (JSON) and an optional CPU profile directory; resolves with its URL, pid and stop.
 */
export async function startServerProcess(entry, { db, cwd = repoRoot, options = {}, cpuProfDir } = {}) {
  const code = `const { startServer } = await import(${JSON.stringify(pathToFileURL(entry).href)})
const s = await startServer({ ...${JSON.stringify(options)}, db: ${JSON.stringify(db)}, port: 0 })
process.stdout.write(JSON.stringify({ url: s.url }) + '\\n')
process.on('SIGTERM', () => { s.close().then(() => process.exit(0)) })`
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []
  const child = spawn(process.execPath, [...prof, '--input-type=module', '-e', code], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (c) => {
    stderr += c
  })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c) => {
      out += c
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).url)
    })
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)))
  })
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
