// Reporter cost: the same 10,000 describeEval items run with and without the evalgate reporter
// (embedded server, SQLite). Reported:
// - end cost: what the reporter adds at the end of the run — its onTestRunEnd (flush the last
//   batch, finalize the run, fetch it, gate, print; measured inside the reporter with
//   EVALGATE_DEBUG=timing) — target ≤ 500 ms;
// - wall delta: median wall time with the reporter minus without (includes starting the embedded
//   server and streaming 10,000 items while the tests run);
// - peak RSS of the Vitest main process (where the reporter and the embedded server live), with
//   and without the reporter.
// Env: BENCH_ITEMS (10000), BENCH_RUNS (3 per variant). Usage: node bench/reporter-cost.mjs
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  ensureBuilt,
  evalgateEntries,
  machineInfo,
  median,
  printTable,
  round,
  runVitest,
  writeFixture,
  writeResult,
} from './lib/harness.mjs'

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const END_TARGET_MS = 500

ensureBuilt()
const entries = evalgateEntries()

const items = Array.from({ length: ITEMS }, (_, i) => {
  const text = `order ${i} shipped to warehouse ${i % 17} on day ${i % 31}`
  // 2% wrong answers: a few failing items, inside the gate.
  return { id: `i${i}`, input: { text }, expected: i % 50 === 0 ? 'WRONG' : text.toUpperCase() }
})

const config = (reporter) => `import { defineConfig } from 'vitest/config'
import { evalgate } from ${JSON.stringify(entries.plugin)}
export default defineConfig({
  plugins: [evalgate(${reporter ? '{ reporter: { dbPath: process.env.BENCH_DB } }' : '{ reporter: false }'})],
  ${entries.alias}
  test: { include: ['*.test.mjs'] },
})
`

// Written only in the Vitest main process: its peak resident set size (KiB → bytes).
const rssProbe = `import { writeFileSync } from 'node:fs'
if (process.argv[1]?.endsWith('vitest.mjs') && process.env.BENCH_RSS_FILE) {
  process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)))
}
`

const dir = writeFixture('reporter-cost', {
  'data.json': JSON.stringify(items),
  'vitest.reporter.config.mjs': config(true),
  'vitest.plain.config.mjs': config(false),
  'rss-probe.mjs': rssProbe,
  'eval.test.mjs': `import { readFileSync } from 'node:fs'
import { dataset, describeEval, evaluator } from ${JSON.stringify(entries.index)}

const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))
const exact = evaluator('exact', ({ output, expected }) => output === expected, { threshold: 1 })

describeEval(dataset.inline('bench', items), (input) => input.text.toUpperCase(), [exact], {
  name: 'reporter-cost',
  concurrency: 100,
  gate: { passRate: 0.9 },
})
`,
})

async function runOnce(variant, index) {
  const rssFile = join(dir, `.rss-${variant}-${index}`)
  const db = join(dir, `.db-${index}`, 'evalgate.db')
  rmSync(join(dir, `.db-${index}`), { recursive: true, force: true })
  rmSync(rssFile, { force: true })
  const { wallMs, output } = await runVitest(dir, {
    config: `vitest.${variant}.config.mjs`,
    // Without the reporter the 2% failing items fail the run (exit 1); with it, the gate accepts them.
    expectedExit: variant === 'reporter' ? 0 : 1,
    env: {
      EVALGATE_DEBUG: 'timing',
      BENCH_DB: db,
      BENCH_RSS_FILE: rssFile,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(join(dir, 'rss-probe.mjs')).href}`,
    },
  })
  const timing = output.match(
    /evalgate timing: onTestRunEnd ([\d.]+) ms \(flush \+ finalize \+ fetch ([\d.]+) ms; ([^)]*)\)/,
  )
  if (variant === 'reporter' && !output.includes(`${ITEMS} items: ${ITEMS - ITEMS / 50} passed`)) {
    throw new Error(`the reporter did not upload ${ITEMS} items:\n${output.slice(-3000)}`)
  }
  const rss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : null
  rmSync(join(dir, `.db-${index}`), { recursive: true, force: true })
  return {
    wallMs,
    endMs: timing ? Number(timing[1]) : null,
    finishMs: timing ? Number(timing[2]) : null,
    detail: timing ? timing[3] : null,
    peakRssBytes: rss,
  }
}

const machine = await machineInfo()
console.log(
  `reporter cost: ${ITEMS} describeEval items, ${RUNS} runs per variant (evalgate from ${entries.kind}; ${machine.cpus} CPUs, load ${machine.loadavg1})`,
)
const runs = { plain: [], reporter: [] }
// A warm-up of each (Vite's transform cache), not measured.
await runOnce('plain', 0)
await runOnce('reporter', 0)
for (let i = 1; i <= RUNS; i++) {
  for (const variant of ['plain', 'reporter']) {
    const r = await runOnce(variant, i)
    runs[variant].push(r)
    console.log(
      `  ${variant.padEnd(8)} run ${i}: wall ${round(r.wallMs)} ms${r.endMs !== null ? `, onTestRunEnd ${r.endMs} ms (${r.detail})` : ''}, main-process peak RSS ${r.peakRssBytes ? round(r.peakRssBytes / 2 ** 20) : '?'} MiB`,
    )
  }
}

const med = (variant, key) => {
  const values = runs[variant].map((r) => r[key]).filter((v) => v !== null)
  return values.length ? median(values) : null
}
const mib = (bytes) => (bytes === null ? null : round(bytes / 2 ** 20, 1))
const result = {
  items: ITEMS,
  runs: RUNS,
  evalgate: entries.kind,
  machine,
  endCostMs: round(med('reporter', 'endMs'), 1),
  endFinishMs: round(med('reporter', 'finishMs'), 1),
  endTargetMs: END_TARGET_MS,
  wallPlainMs: round(med('plain', 'wallMs')),
  wallReporterMs: round(med('reporter', 'wallMs')),
  wallDeltaMs: round(med('reporter', 'wallMs') - med('plain', 'wallMs')),
  peakRssPlainMiB: mib(med('plain', 'peakRssBytes')),
  peakRssReporterMiB: mib(med('reporter', 'peakRssBytes')),
  samples: runs,
}
result.peakRssDeltaMiB =
  result.peakRssPlainMiB === null || result.peakRssReporterMiB === null
    ? null
    : round(result.peakRssReporterMiB - result.peakRssPlainMiB, 1)
result.withinTarget = result.endCostMs !== null && result.endCostMs <= END_TARGET_MS

console.log('')
printTable([
  ['measure (median)', 'value', 'target'],
  ['reporter end cost (onTestRunEnd)', `${result.endCostMs} ms`, `≤ ${END_TARGET_MS} ms`],
  ['  of which flush + finalize + fetch', `${result.endFinishMs} ms`, ''],
  ['wall, without reporter', `${result.wallPlainMs} ms`, ''],
  ['wall, with reporter', `${result.wallReporterMs} ms`, ''],
  ['wall delta (whole run)', `${result.wallDeltaMs} ms`, ''],
  ['main-process peak RSS, without', `${result.peakRssPlainMiB} MiB`, ''],
  ['main-process peak RSS, with', `${result.peakRssReporterMiB} MiB`, ''],
  ['peak RSS delta', `${result.peakRssDeltaMiB} MiB`, ''],
])
const path = writeResult('reporter-cost', result)
console.log(`\n${result.withinTarget ? 'within' : 'OVER'} target; result written to ${path}`)
console.log(JSON.stringify({ ...result, samples: undefined }))
writeFileSync(join(dir, '.done'), '')
