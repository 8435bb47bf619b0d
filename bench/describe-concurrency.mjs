// Concurrency efficiency of describeEval: 2,000 items × 50 ms simulated latency at concurrency 100.
// Ideal = items × latency / concurrency = 1 s, plus Vitest's own start-up (measured on a one-test
// project with the same config). efficiency = ideal / (measured − start-up); target ≥ 85%.
// The evalgate reporter is NOT registered (its cost is measured by bench/reporter-*.mjs).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
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

const ITEMS = Number(process.env.BENCH_ITEMS ?? 2_000)
const LATENCY_MS = 50
const CONCURRENCY = 100
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const TARGET = 0.85
const idealMs = (ITEMS * LATENCY_MS) / CONCURRENCY

ensureBuilt()
const entries = evalgateEntries()

const config = `import { defineConfig } from 'vitest/config'
import { evalgate } from ${JSON.stringify(entries.plugin)}

export default defineConfig({
  plugins: [evalgate({ reporter: false })],
  ${entries.alias}
  test: { include: ['*.test.mjs'] },
})
`

const startupDir = writeFixture('describe-concurrency-startup', {
  'vitest.config.mjs': config,
  'startup.test.mjs': `import { dataset, describeEval, exactMatch } from 'evalgate'

describeEval(dataset.inline('startup', [{ input: 'a', expected: 'a' }]), (input) => input, [exactMatch()])
`,
})

// The task keeps an in-flight counter and the first start / last end, written after the suite so the
// engine's own span can be told apart from Vitest's collection and start-up.
const loadDir = writeFixture('describe-concurrency-load', {
  'vitest.config.mjs': config,
  'concurrency.test.mjs': `import { writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll } from 'vitest'
import { dataset, describeEval, evaluator } from 'evalgate'

const items = Array.from({ length: ${ITEMS} }, (_, i) => ({ id: 'item-' + i, input: i, expected: i }))
const stats = { inFlight: 0, maxInFlight: 0, firstStart: null, lastEnd: 0, collectedAt: performance.timeOrigin + performance.now() }

describeEval(
  dataset.inline('latency', items),
  async (input, { signal }) => {
    stats.firstStart ??= performance.timeOrigin + performance.now()
    stats.inFlight++
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
    await sleep(${LATENCY_MS}, undefined, { signal })
    stats.inFlight--
    stats.lastEnd = performance.timeOrigin + performance.now()
    return input
  },
  [evaluator('echo', ({ output, expected }) => output === expected)],
  { concurrency: ${CONCURRENCY} },
)

afterAll(() => {
  writeFileSync(new URL('./stats.json', import.meta.url), JSON.stringify(stats))
})
`,
})

console.log(
  `describe-concurrency: ${ITEMS} items × ${LATENCY_MS} ms at concurrency ${CONCURRENCY} (ideal ${idealMs} ms), ` +
    `${RUNS} runs each after one warm-up, evalgate from ${entries.kind}/, reporter off`,
)
await runVitest(startupDir)
await runVitest(loadDir)
const startup = []
const load = []
const spans = []
const maxInFlight = []
for (let run = 0; run < RUNS; run++) {
  startup.push((await runVitest(startupDir)).wallMs)
  load.push((await runVitest(loadDir)).wallMs)
  const stats = JSON.parse(readFileSync(join(loadDir, 'stats.json'), 'utf8'))
  spans.push(stats.lastEnd - stats.firstStart)
  maxInFlight.push(stats.maxInFlight)
  process.stdout.write(
    `  run ${run + 1}/${RUNS}: start-up ${round(startup.at(-1))} ms, load ${round(load.at(-1))} ms, ` +
      `first task start → last task end ${round(spans.at(-1))} ms, max in flight ${stats.maxInFlight}\n`,
  )
}

const startupMs = median(startup)
const loadMs = median(load)
const spanMs = median(spans)
const efficiency = idealMs / (loadMs - startupMs)
const taskEfficiency = idealMs / spanMs

console.log('')
printTable([
  ['measure', 'median ms', 'runs (ms)'],
  ['vitest start-up (1 item)', round(startupMs), startup.map((v) => round(v)).join(' ')],
  [`vitest run (${ITEMS} items)`, round(loadMs), load.map((v) => round(v)).join(' ')],
  ['first task start → last task end', round(spanMs), spans.map((v) => round(v)).join(' ')],
  ['ideal (items × latency / concurrency)', idealMs, ''],
])
console.log('')
console.log(
  `efficiency = ideal / (run − start-up) = ${round(efficiency * 100, 1)}% — target ≥ ${TARGET * 100}% — ` +
    `${efficiency >= TARGET ? 'MET' : 'MISSED'}`,
)
console.log(
  `task-phase efficiency = ideal / (last end − first start) = ${round(taskEfficiency * 100, 1)}%; ` +
    `max tasks in flight ${Math.max(...maxInFlight)} (limit ${CONCURRENCY})`,
)
console.log('(reporter off: the evalgate reporter and embedded server are measured by bench/reporter-*.mjs)')

const file = writeResult('describe-concurrency', {
  items: ITEMS,
  latencyMs: LATENCY_MS,
  concurrency: CONCURRENCY,
  runs: RUNS,
  evalgateFrom: entries.kind,
  reporter: false,
  machine: await machineInfo(),
  idealMs,
  startupMs: { median: round(startupMs), runs: startup.map((v) => round(v)) },
  runMs: { median: round(loadMs), runs: load.map((v) => round(v)) },
  taskSpanMs: { median: round(spanMs), runs: spans.map((v) => round(v)) },
  maxInFlight: Math.max(...maxInFlight),
  efficiency: round(efficiency, 3),
  taskPhaseEfficiency: round(taskEfficiency, 3),
  target: { minEfficiency: TARGET },
  met: efficiency >= TARGET,
})
console.log(`results: ${file}`)
