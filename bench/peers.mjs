// evalgate side by side with plain Vitest and the peers, on the same generated workloads, in one
// interleaved run. Every ratio is paired: a variant's wall time divided by plain Vitest's in the same
// round (same Vitest version), so load drift between rounds cancels; min/median/max of those ratios
// are the spread.
//
// Workloads (issue 13's targets, ratios to plain Vitest):
// - startup:    10 trivial items, one file                                 (target ≤ 1.15×)
// - items1k:    1,000 trivial items (no target: the size evalite finishes in seconds)
// - items10k:   10,000 trivial items; evalgate uploads and gates           (target ≤ 1.3×, moonshot 1.15×)
// - concurrent: 2,000 items × 50 ms at concurrency 100                     (target ≤ 1.05×)
// - memory:     peak RSS of the Vitest main process in items10k            (target ≤ +30 MiB)
//
// Variants: plain Vitest and evalgate (default plugin: reporter on, embedded SQLite store that
// persists across runs like a user's .evalgate/) on the repo's Vitest; plain Vitest and
// vitest-evals on the Vitest of bench/peers/ (vitest-evals supports Vitest 4 only; it is installed
// from the npm registry with `npm install --prefix bench/peers` (done here when missing), never copied).
// evalite's CLI (`evalite run`) runs Vitest 4 in its own process through vitest/node, so it is paired
// with plain Vitest 4 too; it runs the start-up and the 1,000-item workloads only (its reporter is
// quadratic: 3,000 items took 25 s here, 10,000 would take minutes per round).
// The evalgate plugin gives Vitest's workers Node's compile cache (src/vitest/compile-cache.ts), which
// also speeds up Vitest's own worker start-up; the variant `plainCompileCache` is plain Vitest with
// the same cache, so `× cached plain` shows evalgate's own cost.
//
// Env: BENCH_RUNS (5 rounds after one warm-up), BENCH_WORKLOADS (comma list, default all),
// BENCH_VARIANTS (comma list, default all).
// Usage: node bench/peers.mjs
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  benchDir,
  compileCacheTestEnv,
  ensureBuilt,
  evalgateEntries,
  installBaseBuild,
  machineInfo,
  median,
  printTable,
  round,
  runVitest,
  writeFixture,
  writeResult,
} from './lib/harness.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const peersDir = join(benchDir, 'peers')
const peersVitest = join(peersDir, 'node_modules', 'vitest', 'vitest.mjs')
const peersEvals = join(peersDir, 'node_modules', 'vitest-evals', 'package.json')
const peersEvalite = join(peersDir, 'node_modules', 'evalite', 'package.json')
const evaliteBin = join(peersDir, 'node_modules', 'evalite', 'dist', 'bin.js')

ensureBuilt()
const entries = evalgateEntries()
const peersInstalled = () => [peersVitest, peersEvals, peersEvalite].every((file) => existsSync(file))
if (!peersInstalled()) {
  // The peers come from the npm registry into bench/peers/node_modules (its own lockfile).
  console.log('installing the peers: npm install --prefix bench/peers …')
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: peersDir,
    stdio: 'inherit',
  })
  if (install.status !== 0 || !peersInstalled()) {
    console.error('bench/peers/ could not be installed: run `npm install --prefix bench/peers`')
    process.exit(1)
  }
}
const peerVersions = {
  vitest: JSON.parse(readFileSync(join(peersDir, 'node_modules', 'vitest', 'package.json'), 'utf8')).version,
  vitestEvals: JSON.parse(readFileSync(peersEvals, 'utf8')).version,
  evalite: JSON.parse(readFileSync(peersEvalite, 'utf8')).version,
}
const repoVitestVersion = JSON.parse(
  readFileSync(join(benchDir, '..', 'node_modules', 'vitest', 'package.json'), 'utf8'),
).version

// Fixtures that must resolve the peers' Vitest live under bench/peers/.tmp/run-<pid>/.
const peersFixtures = join(peersDir, '.tmp', `run-${process.pid}`)
process.on('exit', () => {
  if (process.env.BENCH_KEEP !== '1') rmSync(peersFixtures, { recursive: true, force: true })
})

const trivialItems = (count) =>
  Array.from({ length: count }, (_, i) => {
    const text = `order ${i} shipped to warehouse ${i % 17} on day ${i % 31}`
    return { id: `i${i}`, input: { text }, expected: text.toUpperCase() }
  })

const workloads = {
  startup: { items: trivialItems(10), latencyMs: 0, concurrency: 1, target: { maxRatio: 1.15 } },
  items1k: { items: trivialItems(1_000), latencyMs: 0, concurrency: 1 },
  items10k: { items: trivialItems(10_000), latencyMs: 0, concurrency: 1, target: { maxRatio: 1.3 } },
  concurrent: { items: trivialItems(2_000), latencyMs: 50, concurrency: 100, target: { maxRatio: 1.05 } },
}

// The same work everywhere: upper-case the text (after `latencyMs` of waiting), compare to expected.
const sleep = `const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))`
const work = (w) =>
  w.latencyMs
    ? `await sleep(${w.latencyMs}); return input.text.toUpperCase()`
    : 'return input.text.toUpperCase()'

// Peak RSS of the Vitest main process (where reporters live), written at exit.
const rssProbe = `import { writeFileSync } from 'node:fs'
if (process.argv[1]?.endsWith(process.env.BENCH_RSS_MAIN ?? 'vitest.mjs') && process.env.BENCH_RSS_FILE) {
  process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)))
}
`

// `compileCache`: the workers get Node's compile cache where the evalgate plugin puts it
// (node_modules/.cache/node-compile-cache under the root), as a user can set it for plain Vitest.
function plainFixture(w, { compileCache = false } = {}) {
  const concurrent = w.concurrency > 1
  const env = compileCache ? `, ${compileCacheTestEnv}` : ''
  return {
    'data.json': JSON.stringify(w.items),
    'rss-probe.mjs': rssProbe,
    'vitest.config.mjs': `import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
export default defineConfig({ test: { include: ['*.test.mjs']${concurrent ? `, maxConcurrency: ${w.concurrency}` : ''}${env} } })
`,
    'plain.test.mjs': `import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
${sleep}
const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))
const task = async (input) => { ${work(w)} }

test.for(items)('$id', { concurrent: ${concurrent} }, async ({ input, expected }) => {
  expect(await task(input)).toBe(expected)
})
`,
  }
}

// BENCH_EVALGATE_BASE=<a dist/ directory of another build>: adds the variant `evalgateBase`.
const base = installBaseBuild()

function evalgateFixture(w, entries_ = entries) {
  const entries = entries_
  return {
    'data.json': JSON.stringify(w.items),
    'rss-probe.mjs': rssProbe,
    'vitest.config.mjs': `import { defineConfig } from 'vitest/config'
import { evalgate } from ${JSON.stringify(entries.plugin)}
export default defineConfig({ plugins: [evalgate()], ${entries.alias} test: { include: ['*.test.mjs'] } })
`,
    'eval.test.mjs': `import { dataset, describeEval, exactMatch } from ${JSON.stringify(entries.index)}
${sleep}

describeEval(
  dataset.json('peers', new URL('./data.json', import.meta.url)),
  async (input) => { ${work(w)} },
  [exactMatch()],
  { name: 'peers', concurrency: ${w.concurrency}, gate: { passRate: 1 } },
)
`,
  }
}

function vitestEvalsFixture(w) {
  const concurrent = w.concurrency > 1
  return {
    'data.json': JSON.stringify(w.items),
    'rss-probe.mjs': rssProbe,
    'vitest.config.mjs': `import { defineConfig } from 'vitest/config'
export default defineConfig({ test: { include: ['*.test.mjs']${concurrent ? `, maxConcurrency: ${w.concurrency}` : ''} } })
`,
    'eval.test.mjs': `import { readFileSync } from 'node:fs'
import { expect } from 'vitest'
import { createHarness, describeEval } from 'vitest-evals'
${sleep}
const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))

const harness = createHarness({
  name: 'upper',
  run: async ({ input }) => {
    const output = await (async () => { ${work(w)} })()
    return {
      events: [
        { type: 'message', role: 'user', content: input.text },
        { type: 'message', role: 'assistant', content: output },
      ],
      output,
    }
  },
})

describeEval('peers', { harness }, (it) => {
  it.for(items)('$id', { concurrent: ${concurrent} }, async ({ input, expected }, { run }) => {
    const result = await run(input)
    expect(result.output).toBe(expected)
  })
})
`,
  }
}

// evalite: one eval over the same data, the same work, an exact-match scorer; `evalite run` stores
// every run in its SQLite cache under the fixture's node_modules/.evalite/, kept across rounds.
function evaliteFixture(w) {
  return {
    'data.json': JSON.stringify(w.items),
    'rss-probe.mjs': rssProbe,
    'peers.eval.mts': `import { readFileSync } from 'node:fs'
import { createScorer, evalite } from 'evalite'
${sleep}
const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))
const exactMatch = createScorer({
  name: 'exactMatch',
  scorer: ({ output, expected }) => (output === expected ? 1 : 0),
})

evalite('peers', {
  data: async () => items.map(({ input, expected }) => ({ input, expected })),
  task: async (input) => { ${work(w)} },
  scorers: [exactMatch],
})
`,
  }
}

const allVariants = [
  ...(base
    ? [
        {
          key: 'evalgateBase',
          label: base.label,
          fixture: (w) => evalgateFixture(w, base.entries),
          baseline: 'plain',
          root: base.root,
        },
      ]
    : []),
  { key: 'plain', label: `plain Vitest ${repoVitestVersion}`, fixture: plainFixture, baseline: 'plain' },
  {
    key: 'plainCompileCache',
    label: `plain Vitest ${repoVitestVersion}, workers with NODE_COMPILE_CACHE`,
    fixture: (w) => plainFixture(w, { compileCache: true }),
    baseline: 'plain',
  },
  {
    key: 'evalgate',
    label: `evalgate (reporter + gate), Vitest ${repoVitestVersion}`,
    fixture: evalgateFixture,
    baseline: 'plain',
  },
  {
    key: 'plainPeers',
    label: `plain Vitest ${peerVersions.vitest}`,
    fixture: plainFixture,
    baseline: 'plainPeers',
    peers: true,
  },
  {
    key: 'vitestEvals',
    label: `vitest-evals ${peerVersions.vitestEvals}, Vitest ${peerVersions.vitest}`,
    fixture: vitestEvalsFixture,
    baseline: 'plainPeers',
    peers: true,
  },
  {
    key: 'evalite',
    label: `evalite ${peerVersions.evalite} (evalite run), Vitest ${peerVersions.vitest}`,
    fixture: evaliteFixture,
    baseline: 'plainPeers',
    peers: true,
    script: evaliteBin,
    workloads: ['startup', 'items1k'],
  },
]
const pick = (env, all) => (env ? all.filter((name) => env.split(',').includes(name)) : all)
const variants = allVariants.filter((v) =>
  pick(
    process.env.BENCH_VARIANTS,
    allVariants.map((x) => x.key),
  ).includes(v.key),
)
const workloadNames = pick(process.env.BENCH_WORKLOADS, Object.keys(workloads))

async function runOnce(dir, variant, tag) {
  const rssFile = join(dir, `.rss-${tag}`)
  rmSync(rssFile, { force: true })
  const result = await runVitest(dir, {
    vitest: variant.peers ? peersVitest : undefined,
    script: variant.script ?? null,
    args: variant.script ? ['run'] : [],
    env: {
      BENCH_RSS_FILE: rssFile,
      ...(variant.script ? { BENCH_RSS_MAIN: basename(variant.script) } : {}),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(join(dir, 'rss-probe.mjs')).href}`,
    },
  })
  const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 2 ** 20 : null
  return { wallMs: result.wallMs, cpuMs: result.cpuMs, rssMiB: rss, phases: result.phases }
}

const spread = (values) => {
  const clean = values.filter((v) => v != null)
  if (!clean.length) return null
  return {
    min: round(Math.min(...clean), 3),
    median: round(median(clean), 3),
    max: round(Math.max(...clean), 3),
  }
}

/** `field` of each round's sample over the same round's sample of `other` (null without `other`). */
const pairedRatio = (list, other, field) =>
  other ? spread(list.map((s, i) => (s[field] && other[i][field] ? s[field] / other[i][field] : null))) : null

const machineBefore = await machineInfo()
console.log(
  `peers: ${workloadNames.join(', ')}; ${variants.map((v) => v.key).join(', ')}; ${RUNS} interleaved rounds after a warm-up; evalgate from ${entries.kind}/; load ${machineBefore.loadavg1}`,
)
const results = {}
for (const name of workloadNames) {
  const w = workloads[name]
  // a variant may run on some workloads only (evalite: not at sizes where it takes minutes)
  const active = variants.filter((v) => !v.workloads || v.workloads.includes(name))
  const dirs = Object.fromEntries(
    active.map((v) => [
      v.key,
      writeFixture(`peers-${name}-${v.key}`, v.fixture(w), v.root ?? (v.peers ? peersFixtures : undefined)),
    ]),
  )
  for (const v of active) await runOnce(dirs[v.key], v, 'warmup')
  const samples = Object.fromEntries(active.map((v) => [v.key, []]))
  const loads = []
  for (let round_ = 0; round_ < RUNS; round_++) {
    loads.push((await machineInfo()).loadavg1)
    // Rotate the order each round so no variant always runs right after another.
    const order = active.map((_, i) => active[(i + round_) % active.length])
    for (const v of order) samples[v.key].push(await runOnce(dirs[v.key], v, String(round_)))
    console.log(
      `  ${name} round ${round_ + 1}/${RUNS} (load ${loads.at(-1)}): ${active
        .map((v) => `${v.key} ${round(samples[v.key][round_].wallMs)} ms`)
        .join(', ')}`,
    )
  }
  const summary = {}
  for (const v of active) {
    const list = samples[v.key]
    const base = samples[v.baseline]
    summary[v.key] = {
      label: v.label,
      wallMs: spread(list.map((s) => s.wallMs)),
      cpuMs: spread(list.map((s) => s.cpuMs)),
      mainPeakRssMiB: spread(list.map((s) => s.rssMiB)),
      vitestImportMs: spread(list.map((s) => s.phases?.import)),
      vitestTestsMs: spread(list.map((s) => s.phases?.tests)),
      // Paired with the same round's plain run on the same Vitest.
      wallRatio: pairedRatio(list, base, 'wallMs'),
      cpuRatio: pairedRatio(list, base, 'cpuMs'),
      // The evalgate plugin gives the workers Node's compile cache: against plain Vitest whose
      // workers have it too, what is left is evalgate's own cost.
      wallRatioToCompileCachedPlain:
        v.baseline === 'plain' ? pairedRatio(list, samples.plainCompileCache, 'wallMs') : null,
      // BENCH_EVALGATE_BASE: this build against the other one in the same round, the most direct
      // measure of a change (the plain rounds' own noise drops out).
      wallRatioToBase: v.key === 'evalgate' ? pairedRatio(list, samples.evalgateBase, 'wallMs') : null,
      cpuRatioToBase: v.key === 'evalgate' ? pairedRatio(list, samples.evalgateBase, 'cpuMs') : null,
      rssDeltaMiB: base
        ? spread(list.map((s, i) => (s.rssMiB && base[i].rssMiB ? s.rssMiB - base[i].rssMiB : null)))
        : null,
      samples: list.map((s) => ({
        wallMs: round(s.wallMs),
        cpuMs: round(s.cpuMs),
        rssMiB: round(s.rssMiB, 1),
      })),
    }
  }
  results[name] = {
    items: w.items.length,
    latencyMs: w.latencyMs,
    concurrency: w.concurrency,
    loadavg1: loads,
    target: w.target,
    variants: summary,
  }
  const fmt = (s, digits = 0) =>
    s ? `${round(s.median, digits)} (${round(s.min, digits)}–${round(s.max, digits)})` : ''
  console.log('')
  printTable([
    [
      'variant',
      'wall ms',
      '× plain wall',
      '× cached plain',
      '× plain cpu',
      'main RSS MiB',
      'Δ RSS MiB',
      'import ms',
    ],
    ...active.map((v) => {
      const s = summary[v.key]
      return [
        v.label,
        fmt(s.wallMs),
        fmt(s.wallRatio, 3),
        fmt(s.wallRatioToCompileCachedPlain, 3),
        fmt(s.cpuRatio, 3),
        fmt(s.mainPeakRssMiB),
        fmt(s.rssDeltaMiB),
        fmt(s.vitestImportMs),
      ]
    }),
  ])
  const toBase = summary.evalgate?.wallRatioToBase
  if (toBase) {
    console.log(
      `evalgate against the base build in the same rounds: wall ${fmt(toBase, 3)}, CPU ${fmt(summary.evalgate.cpuRatioToBase, 3)}`,
    )
  }
  console.log('')
}

const evalgateOf = (name) => results[name]?.variants.evalgate
const verdicts = {}
for (const name of Object.keys(workloads)) {
  const r = evalgateOf(name)
  if (r?.wallRatio && workloads[name].target)
    verdicts[name] = r.wallRatio.median <= workloads[name].target.maxRatio
}
const memory = evalgateOf('items10k')?.rssDeltaMiB
if (memory) verdicts.memory = memory.median <= 30
const file = writeResult('peers', {
  runs: RUNS,
  evalgateFrom: entries.kind,
  versions: {
    vitest: repoVitestVersion,
    peersVitest: peerVersions.vitest,
    vitestEvals: peerVersions.vitestEvals,
    evalite: peerVersions.evalite,
  },
  machine: { ...machineBefore, loadavg1After: (await machineInfo()).loadavg1 },
  targets: {
    startupMaxRatio: 1.15,
    items10kMaxRatio: 1.3,
    concurrentMaxRatio: 1.05,
    memoryMaxDeltaMiB: 30,
  },
  met: verdicts,
  workloads: results,
})
console.log(`targets met: ${JSON.stringify(verdicts)}`)
console.log(`results: ${file}`)
