// Per-item overhead of describeEval: 10,000 trivial items through describeEval versus a plain
// `test.for` over the same data doing the same work (target: ≤ 1.3× the plain wall time).
// A third, informational variant runs the plain `test.for` with `concurrent: true` (what describeEval
// declares), to tell Vitest's own cost of 10,000 concurrent tests apart from describeEval's.
// The evalgate reporter is NOT registered here (its cost is measured by bench/reporter-*.mjs).
// Wall time is what the target is about; CPU time (user + system of the whole process tree) is
// reported too because this machine is shared and wall time moves with the load.
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
  ${entries.alias}
  test: { include: ['*.test.mjs'] },
})
`

const plainTest = (concurrent) => `import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))

test.for(items)('item $#', ${concurrent ? '{ concurrent: true }, async ' : ''}({ input, expected }) => {
  const output = input.text.toUpperCase()
  expect(output).toBe(expected)
})
`

const variants = [
  {
    key: 'plain',
    label: 'plain test.for',
    dir: writeFixture('describe-overhead-plain', {
      'data.json': data,
      'vitest.config.mjs': config(false),
      'plain.test.mjs': plainTest(false),
    }),
  },
  {
    key: 'describeEval',
    label: 'describeEval',
    dir: writeFixture('describe-overhead-evalgate', {
      'data.json': data,
      'vitest.config.mjs': config(true),
      'overhead.test.mjs': `import { dataset, describeEval, exactMatch } from 'evalgate'

describeEval(
  dataset.json('overhead', new URL('./data.json', import.meta.url)),
  (input) => input.text.toUpperCase(),
  [exactMatch()],
)
`,
    }),
  },
  {
    key: 'plainConcurrent',
    label: 'plain test.for, concurrent (info)',
    dir: writeFixture('describe-overhead-plain-concurrent', {
      'data.json': data,
      'vitest.config.mjs': config(true),
      'plain.test.mjs': plainTest(true),
    }),
  },
]

console.log(
  `describe-overhead: ${ITEMS} items, ${RUNS} runs each (after one warm-up), evalgate from ${entries.kind}/, reporter off`,
)
// Warm-up (Vite's dependency optimiser and the OS file cache), then interleave so load drift hits every variant.
for (const variant of variants) await runVitest(variant.dir)
const runs = Object.fromEntries(variants.map((variant) => [variant.key, []]))
for (let run = 0; run < RUNS; run++) {
  const line = []
  for (const variant of variants) {
    const result = await runVitest(variant.dir)
    runs[variant.key].push(result)
    line.push(`${variant.key} ${round(result.wallMs)} ms (cpu ${round(result.cpuMs)})`)
  }
  console.log(`  run ${run + 1}/${RUNS}: ${line.join(', ')}`)
}

const medianOf = (list, pick) => {
  const values = list.map(pick).filter((value) => value != null)
  return values.length ? round(median(values)) : null
}
const summarise = (list) => ({
  wallMs: list.map((r) => round(r.wallMs)),
  medianWallMs: medianOf(list, (r) => r.wallMs),
  medianCpuMs: medianOf(list, (r) => r.cpuMs),
  // Vitest's own phases: `import` covers collection (for describeEval: loading and hashing the
  // dataset, declaring the tests), `tests` the time spent running them.
  medianImportMs: medianOf(list, (r) => r.phases?.import),
  medianTestsMs: medianOf(list, (r) => r.phases?.tests),
})
const summary = Object.fromEntries(variants.map((variant) => [variant.key, summarise(runs[variant.key])]))
const ratio = (key, field) => round(summary[key][field] / summary.plain[field], 3)
const wallRatio = ratio('describeEval', 'medianWallMs')
const cpuRatio = ratio('describeEval', 'medianCpuMs')
const perItemUs = round(((summary.describeEval.medianWallMs - summary.plain.medianWallMs) * 1000) / ITEMS, 1)
const perItemCpuUs = round(((summary.describeEval.medianCpuMs - summary.plain.medianCpuMs) * 1000) / ITEMS, 1)

console.log('')
printTable([
  [
    'variant',
    'wall ms',
    'cpu ms',
    'collect ms',
    'run ms',
    '× plain (wall)',
    '× plain (cpu)',
    'runs (wall ms)',
  ],
  ...variants.map((variant) => {
    const row = summary[variant.key]
    return [
      variant.label,
      row.medianWallMs,
      row.medianCpuMs,
      row.medianImportMs,
      row.medianTestsMs,
      ratio(variant.key, 'medianWallMs'),
      ratio(variant.key, 'medianCpuMs'),
      row.wallMs.join(' '),
    ]
  }),
])
console.log('')
console.log(
  `describeEval / plain: ${wallRatio}× wall — target ≤ ${TARGET_RATIO}× — ${wallRatio <= TARGET_RATIO ? 'MET' : 'MISSED'}; ` +
    `${cpuRatio}× cpu; extra per item ${perItemUs} µs wall, ${perItemCpuUs} µs cpu`,
)
console.log(
  '(medians; collect = Vitest "import" phase, run = "tests" phase; reporter off: the evalgate reporter',
)
console.log(' and embedded server are measured by bench/reporter-*.mjs)')

const file = writeResult('describe-overhead', {
  items: ITEMS,
  runs: RUNS,
  evalgateFrom: entries.kind,
  reporter: false,
  machine: await machineInfo(),
  ...summary,
  ratio: wallRatio,
  cpuRatio,
  concurrentPlainRatio: ratio('plainConcurrent', 'medianWallMs'),
  extraPerItemUs: perItemUs,
  extraPerItemCpuUs: perItemCpuUs,
  target: { maxRatio: TARGET_RATIO },
  met: wallRatio <= TARGET_RATIO,
})
console.log(`results: ${file}`)
