// Watch-mode rerun of one eval file: evalgate (default plugin: reporter, embedded store, gate) against
// plain Vitest on the same 10 trivial items (issue 13's target: ≤ 1.2× a plain rerun). Each variant
// runs as one `vitest --watch` process; after its first run, the test file is rewritten (same
// code, a new comment) and the time from the write to Vitest's next "Waiting for file changes" is
// one rerun. Variants alternate rerun by rerun; ratios are paired per rerun, median (min–max).
// The evalgate plugin gives the workers Node's compile cache; `plainCompileCache` is plain Vitest
// with the same cache, for evalgate's own cost (`× cached plain`).
// Env: BENCH_RUNS (reruns per variant, default 7); BENCH_EVALGATE_BASE=<dist/ of another build> adds
// that build as the variant `evalgateBase`, in the same rounds. Usage: node bench/peers-watch.mjs
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import {
  compileCacheTestEnv,
  ensureBuilt,
  evalgateEntries,
  installBaseBuild,
  machineInfo,
  median,
  printTable,
  repoRoot,
  round,
  writeFixture,
  writeResult,
} from './lib/harness.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const TARGET = 1.2
const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')

ensureBuilt()
const entries = evalgateEntries()

const items = Array.from({ length: 10 }, (_, i) => {
  const text = `order ${i} shipped to warehouse ${i % 17} on day ${i % 31}`
  return { id: `i${i}`, input: { text }, expected: text.toUpperCase() }
})

function evalgateFiles(entries) {
  return {
    'data.json': JSON.stringify(items),
    'vitest.config.mjs': `import { defineConfig } from 'vitest/config'
import { evalgate } from ${JSON.stringify(entries.plugin)}
export default defineConfig({ plugins: [evalgate()], ${entries.alias} test: { include: ['*.test.mjs'] } })
`,
    'eval.test.mjs': `import { dataset, describeEval, exactMatch } from ${JSON.stringify(entries.index)}
describeEval(
  dataset.json('watch', new URL('./data.json', import.meta.url)),
  (input) => input.text.toUpperCase(),
  [exactMatch()],
  { name: 'watch', gate: { passRate: 1 } },
)
`,
  }
}

// `compileCache`: the workers get Node's compile cache where the evalgate plugin puts it, as a user
// can set it for plain Vitest: `plainCompileCache` shows what is left of evalgate's own cost.
function plainFiles({ compileCache = false } = {}) {
  const env = compileCache ? `, ${compileCacheTestEnv}` : ''
  return {
    'data.json': JSON.stringify(items),
    'vitest.config.mjs': `import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
export default defineConfig({ test: { include: ['*.test.mjs']${env} } })
`,
    'plain.test.mjs': `import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))
test.for(items)('$id', ({ input, expected }) => {
  expect(input.text.toUpperCase()).toBe(expected)
})
`,
  }
}

const base = installBaseBuild()
const variants = {
  plain: writeFixture('watch-plain', plainFiles()),
  plainCompileCache: writeFixture('watch-plain-compile-cache', plainFiles({ compileCache: true })),
  evalgate: writeFixture('watch-evalgate', evalgateFiles(entries)),
  ...(base ? { evalgateBase: writeFixture('watch-evalgate', evalgateFiles(base.entries), base.root) } : {}),
}
const testFile = {
  plain: 'plain.test.mjs',
  plainCompileCache: 'plain.test.mjs',
  evalgate: 'eval.test.mjs',
  evalgateBase: 'eval.test.mjs',
}

/** One `vitest --watch` process; `next()` resolves at its next "Waiting for file changes". */
function watcher(dir) {
  const child = spawn(process.execPath, [vitestBin, '--watch', '--config', join(dir, 'vitest.config.mjs')], {
    cwd: dir,
    env: { ...process.env, CI: '', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  let seen = 0
  let waiter = null
  const onData = (chunk) => {
    output += chunk
    const count = stripVTControlCharacters(output).split('Waiting for file changes').length - 1
    if (count > seen) {
      seen = count
      waiter?.()
      waiter = null
    }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  return {
    next: (timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no rerun in ${dir}:\n${output.slice(-2000)}`)),
          timeoutMs,
        )
        waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      }),
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        child.on('close', resolve)
        child.kill('SIGTERM')
      }),
  }
}

const machine = await machineInfo()
console.log(
  `peers-watch: ${RUNS} reruns per variant, evalgate from ${entries.kind}/, load ${machine.loadavg1}`,
)
const watchers = {}
for (const key of Object.keys(variants)) {
  watchers[key] = watcher(variants[key])
  await watchers[key].next()
}
const keys = Object.keys(variants)
const samples = Object.fromEntries(keys.map((key) => [key, []]))
const loads = []
try {
  // One unmeasured rerun each (the first rerun warms the module graph), then rotate the order.
  for (let run = -1; run < RUNS; run++) {
    if (run >= 0) loads.push((await machineInfo()).loadavg1)
    const shift = ((run % keys.length) + keys.length) % keys.length
    for (const key of [...keys.slice(shift), ...keys.slice(0, shift)]) {
      const file = join(variants[key], testFile[key])
      const source = readFileSync(file, 'utf8').replace(/\n\/\/ rerun \d+\n$/, '\n')
      const rerun = watchers[key].next()
      const started = performance.now()
      writeFileSync(file, `${source}\n// rerun ${run + 2}\n`)
      await rerun
      if (run >= 0) samples[key].push(performance.now() - started)
    }
    if (run >= 0)
      console.log(
        `  rerun ${run + 1}: ${keys.map((key) => `${key} ${round(samples[key][run])} ms`).join(', ')}`,
      )
  }
} finally {
  await Promise.all(Object.values(watchers).map((w) => w.stop()))
}
if (!watchers.evalgate.output().includes('evalgate')) throw new Error('the evalgate reporter printed nothing')

const spread = (values) => ({
  min: round(Math.min(...values), 3),
  median: round(median(values), 3),
  max: round(Math.max(...values), 3),
})
const ratiosOf = (key, to = 'plain') => samples[key].map((ms, i) => ms / samples[to][i])
const ratios = ratiosOf('evalgate')
const result = {
  reruns: RUNS,
  evalgateFrom: entries.kind,
  machine,
  loadavg1: loads,
  plainMs: spread(samples.plain),
  evalgateMs: spread(samples.evalgate),
  ratio: spread(ratios),
  plainCompileCacheMs: spread(samples.plainCompileCache),
  plainCompileCacheRatio: spread(ratiosOf('plainCompileCache')),
  // evalgate's workers have the compile cache (the plugin's default): against plain Vitest with it too
  ratioToCompileCachedPlain: spread(ratiosOf('evalgate', 'plainCompileCache')),
  ...(base
    ? {
        base: base.label,
        evalgateBaseMs: spread(samples.evalgateBase),
        baseRatio: spread(ratiosOf('evalgateBase')),
      }
    : {}),
  target: { maxRatio: TARGET },
  met: median(ratios) <= TARGET,
}
const fmt = (ratio) => (ratio ? `${ratio.median} (${ratio.min}–${ratio.max})` : '')
const row = (label, ms, ratio, cachedRatio) => [
  label,
  `${round(ms.median)} (${round(ms.min)}–${round(ms.max)})`,
  ratio ? fmt(ratio) : '1',
  fmt(cachedRatio),
]
printTable([
  ['variant', 'rerun ms median (min–max)', '× plain, paired per rerun', '× cached plain'],
  row('plain Vitest', result.plainMs),
  row(
    'plain Vitest, workers with NODE_COMPILE_CACHE',
    result.plainCompileCacheMs,
    result.plainCompileCacheRatio,
  ),
  row('evalgate', result.evalgateMs, result.ratio, result.ratioToCompileCachedPlain),
  ...(base ? [row(base.label, result.evalgateBaseMs, result.baseRatio)] : []),
])
console.log(
  `target ≤ ${TARGET}×: ${result.met ? 'MET' : 'MISSED'}; results: ${writeResult('peers-watch', result)}`,
)
