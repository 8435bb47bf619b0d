// Per-item overhead of describeEval: 10,000 trivial items through describeEval versus a plain
// `test.for` over the same data doing the same work (target: ≤ 1.3× the plain wall time).
// The evalgate reporter is NOT registered here (its cost is measured by bench/reporter-*.mjs).
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
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const TARGET_RATIO = 1.3

ensureBuilt()
const entries = evalgateEntries()

// Each item: a short sentence to upper-case. The task and the check are the same on both sides.
const items = Array.from({ length: ITEMS }, (_, i) => {
  const text = `order ${i} shipped to warehouse ${i % 17} on day ${i % 31}`
  return { input: { text }, expected: text.toUpperCase() }
})
const data = JSON.stringify(items)

const config = (plugin) => `import { defineConfig } from 'vitest/config'
${plugin ? `import { evalgate } from ${JSON.stringify(entries.plugin)}\n` : ''}
export default defineConfig({
  ${plugin ? 'plugins: [evalgate({ reporter: false })],' : ''}
  resolve: { alias: { evalgate: ${JSON.stringify(entries.index)} } },
  test: { include: ['*.test.mjs'] },
})
`

const plainDir = writeFixture('describe-overhead-plain', {
  'data.json': data,
  'vitest.config.mjs': config(false),
  'plain.test.mjs': `import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))

test.for(items)('item $#', ({ input, expected }) => {
  const output = input.text.toUpperCase()
  expect(output).toBe(expected)
})
`,
})

const evalDir = writeFixture('describe-overhead-evalgate', {
  'data.json': data,
  'vitest.config.mjs': config(true),
  'overhead.test.mjs': `import { dataset, describeEval, exactMatch } from 'evalgate'

describeEval(
  dataset.json('overhead', new URL('./data.json', import.meta.url)),
  (input) => input.text.toUpperCase(),
  [exactMatch()],
)
`,
})

console.log(
  `describe-overhead: ${ITEMS} items, ${RUNS} runs each (after one warm-up), evalgate from ${entries.kind}/, reporter off`,
)
// Warm-up (Vite's dependency optimiser and the OS file cache), then interleave so load drift hits both sides.
await runVitest(plainDir)
await runVitest(evalDir)
const plain = []
const evalgate = []
for (let run = 0; run < RUNS; run++) {
  plain.push(await runVitest(plainDir))
  evalgate.push(await runVitest(evalDir))
  process.stdout.write(
    `  run ${run + 1}/${RUNS}: plain ${round(plain.at(-1).wallMs)} ms, describeEval ${round(evalgate.at(-1).wallMs)} ms\n`,
  )
}

const summary = (runs) => ({
  wallMs: runs.map((r) => round(r.wallMs)),
  medianWallMs: round(median(runs.map((r) => r.wallMs))),
  medianCpuMs: runs[0].cpuMs == null ? null : round(median(runs.map((r) => r.cpuMs))),
})
const plainSummary = summary(plain)
const evalSummary = summary(evalgate)
const wallRatio = round(evalSummary.medianWallMs / plainSummary.medianWallMs, 3)
const cpuRatio =
  plainSummary.medianCpuMs == null ? null : round(evalSummary.medianCpuMs / plainSummary.medianCpuMs, 3)
const perItemUs = round(((evalSummary.medianWallMs - plainSummary.medianWallMs) * 1000) / ITEMS, 1)

console.log('')
printTable([
  ['variant', 'median wall ms', 'median cpu ms', 'runs (wall ms)'],
  ['plain test.for', plainSummary.medianWallMs, plainSummary.medianCpuMs, plainSummary.wallMs.join(' ')],
  ['describeEval', evalSummary.medianWallMs, evalSummary.medianCpuMs, evalSummary.wallMs.join(' ')],
])
console.log('')
console.log(
  `ratio (wall) ${wallRatio}× — target ≤ ${TARGET_RATIO}× — ${wallRatio <= TARGET_RATIO ? 'MET' : 'MISSED'}; ratio (cpu) ${cpuRatio}×; ` +
    `extra per item ${perItemUs} µs`,
)
console.log('(reporter off: the evalgate reporter and embedded server are measured by bench/reporter-*.mjs)')

const file = writeResult('describe-overhead', {
  items: ITEMS,
  runs: RUNS,
  evalgateFrom: entries.kind,
  reporter: false,
  machine: await machineInfo(),
  plain: plainSummary,
  describeEval: evalSummary,
  ratio: wallRatio,
  cpuRatio,
  extraPerItemUs: perItemUs,
  target: { maxRatio: TARGET_RATIO },
  met: wallRatio <= TARGET_RATIO,
})
console.log(`results: ${file}`)
