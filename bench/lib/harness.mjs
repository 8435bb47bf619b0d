// Shared helpers of the describeEval benchmarks: fixture projects, spawned `vitest run`, timing, results.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

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

/** Builds dist/ with tsup when it is missing or stale. Returns false (with the reason printed) when the build fails. */
export function ensureBuilt({ quiet = false } = {}) {
  if (!distIsStale()) return true
  if (!quiet) console.log('dist/ is missing or older than src/: building with `npx tsup` …')
  const build = spawnSync('npx', ['tsup'], { cwd: repoRoot, encoding: 'utf8' })
  if (build.status === 0) return true
  console.error(
    `tsup failed (exit ${build.status}):\n${(build.stdout + build.stderr).split('\n').slice(-30).join('\n')}`,
  )
  return false
}

/**
 * Where `evalgate` and `evalgate/vitest` resolve in fixtures: the built package when dist/ is fresh,
 * otherwise the TypeScript sources (then Vite transforms them on every run, which is slower and noted).
 */
export function evalgateEntries() {
  const useDist = !distIsStale()
  return useDist
    ? {
        kind: 'dist',
        index: join(repoRoot, 'dist', 'index.js'),
        plugin: join(repoRoot, 'dist', 'vitest', 'plugin.js'),
      }
    : {
        kind: 'src',
        index: join(repoRoot, 'src', 'index.ts'),
        plugin: join(repoRoot, 'src', 'vitest', 'plugin.ts'),
      }
}

/** Creates a fresh fixture project under bench/.tmp/<name> (inside the repo, so node_modules resolves). */
export function writeFixture(name, files) {
  const dir = join(benchDir, '.tmp', name)
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
 * time (user + system, ms) of the whole process tree from GNU time. Throws when vitest fails.
 */
export function runVitest(dir, { args = [], env = {} } = {}) {
  const timeFile = join(dir, '.time')
  const command = existsSync('/usr/bin/time') ? '/usr/bin/time' : null
  const vitestArgs = [vitestBin, 'run', '--config', join(dir, 'vitest.config.mjs'), ...args]
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
      if (code !== 0) {
        reject(new Error(`vitest run in ${relative(repoRoot, dir)} exited ${code}:\n${output.slice(-4000)}`))
        return
      }
      let cpuMs = null
      if (command && existsSync(timeFile)) {
        const [user, system] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number)
        cpuMs = (user + system) * 1000
      }
      resolve({ wallMs, cpuMs, output })
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
