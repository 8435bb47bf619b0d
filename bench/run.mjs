// Runs every bench/*.mjs (except this file) one after another, then aggregates bench/results/*.json
// into bench/results/summary.md. `node bench/run.mjs [substring…]` runs only matching benchmarks.
// Exits non-zero when a benchmark crashed; a missed target is reported, not an error.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { benchDir, ensureBuilt, printTable, resultsDir } from './lib/harness.mjs'

const args = process.argv.slice(2)
// `--summary`: only re-aggregate bench/results/*.json into summary.md, running nothing.
const summaryOnly = args.includes('--summary')
const filters = args.filter((arg) => arg !== '--summary')
const benches = readdirSync(benchDir)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()

if (summaryOnly) {
  writeSummary()
  process.exit(0)
}
if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}`)
  process.exit(1)
}
// Build once up front so each benchmark finds a fresh dist/ instead of rebuilding.
const built = ensureBuilt()
if (!built) console.error('continuing without a fresh dist/: benchmarks fall back to the sources')

const outcomes = []
for (const file of benches) {
  console.log(`\n=== ${file} ===`)
  const started = Date.now()
  const child = spawnSync(process.execPath, [join(benchDir, file)], {
    stdio: 'inherit',
    cwd: join(benchDir, '..'),
    // The build above is the one to measure, even if someone edits src/ meanwhile.
    env: built ? { ...process.env, BENCH_NO_BUILD: '1' } : process.env,
  })
  outcomes.push({ file, status: child.status, seconds: Math.round((Date.now() - started) / 100) / 10 })
}

console.log('\n=== summary ===')
printTable([
  ['benchmark', 'exit', 'seconds'],
  ...outcomes.map((outcome) => [outcome.file, outcome.status, outcome.seconds]),
])

writeSummary()
process.exit(outcomes.some((outcome) => outcome.status !== 0) ? 1 : 0)

function writeSummary() {
  const summaryPath = join(resultsDir, 'summary.md')
  writeFileSync(summaryPath, renderSummary(readResults()))
  console.log(`\nsummary: ${summaryPath}`)
}

function readResults() {
  if (!existsSync(resultsDir)) return []
  return readdirSync(resultsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(resultsDir, file), 'utf8')
      try {
        return { file, result: JSON.parse(text) }
      } catch (error) {
        return { file, error: `unreadable JSON: ${error.message}` }
      }
    })
}

/** One section per result file: its scalar fields (numbers, strings, booleans) and its target/met verdict. */
function renderSummary(entries) {
  const lines = [
    '# Benchmark results',
    '',
    `Aggregated by \`node bench/run.mjs\` on ${new Date().toISOString()}.`,
    '',
  ]
  lines.push('| benchmark | measured on | target | met |', '| --- | --- | --- | --- |')
  for (const { file, result, error } of entries) {
    if (error) {
      lines.push(`| ${basename(file, '.json')} | ${error} | | |`)
      continue
    }
    const target = result.target ? JSON.stringify(result.target).replaceAll('|', '\\|') : ''
    const met = verdictOf(result)
    lines.push(`| ${result.name ?? basename(file, '.json')} | ${result.date ?? ''} | ${target} | ${met} |`)
  }
  for (const { file, result } of entries) {
    if (!result) continue
    lines.push('', `## ${result.name ?? basename(file, '.json')}`, '', '| field | value |', '| --- | --- |')
    for (const [key, value] of Object.entries(flatten(result))) {
      if (key === 'name' || key === 'date') continue
      lines.push(`| ${key} | ${String(value).replaceAll('|', '\\|')} |`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** A result's verdict: `met` (a boolean, or one boolean per target) or `withinTarget`. */
function verdictOf(result) {
  const met = result.met ?? result.withinTarget
  if (met === undefined) return ''
  const passed = typeof met === 'object' ? Object.values(met).every(Boolean) : Boolean(met)
  return passed ? 'yes' : '**no**'
}

/** `{ a: { b: 1 }, c: [1, 2] }` → `{ 'a.b': 1, c: '1, 2' }` (arrays of scalars joined, deeper arrays as JSON). */
function flatten(value, prefix = '', out = {}) {
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (Array.isArray(inner)) {
      out[path] = inner.every((v) => v === null || typeof v !== 'object')
        ? inner.join(', ')
        : JSON.stringify(inner)
    } else if (inner !== null && typeof inner === 'object') {
      flatten(inner, path, out)
    } else {
      out[path] = inner
    }
  }
  return out
}
