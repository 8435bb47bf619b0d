// Judging overhead with replay hits: 1,000 items × 2 LLM judges (closedQA + answerRelevance) whose
// calls are all replayed from recordings (EVALGATE_REPLAY=strict, judge endpoint unreachable), against
// the same suite with 2 deterministic evaluators (exactMatch + levenshtein). Target: ≤ 1.2× wall.
// Also reported: the size of the recordings file per 1,000 recorded calls.
// The recordings are made once, before measuring, against a local OpenAI-compatible stand-in.
// The evalgate reporter is off in both variants (its cost is bench/reporter-cost.mjs).
// Env: BENCH_ITEMS (1000), BENCH_RUNS (3). Usage: node bench/judges-replay.mjs
import { once } from 'node:events'
import { readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

const ITEMS = Number(process.env.BENCH_ITEMS ?? 1000)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const TARGET_RATIO = 1.2
const repoRoot = fileURLToPath(new URL('../', import.meta.url))

ensureBuilt()
const entries = evalgateEntries()
const judgesEntry = entries.kind === 'dist' ? 'evalgate/judges' : join(repoRoot, 'src', 'judges', 'index.ts')

const items = Array.from({ length: ITEMS }, (_, i) => {
  const text = `order ${i} shipped to warehouse ${i % 17} on day ${i % 31}`
  return { id: `i${i}`, input: { text }, expected: text.toUpperCase() }
})

// A stand-in judge model: every verdict is a forced tool call choosing the first label.
const standIn = createServer(async (req, res) => {
  let text = ''
  for await (const chunk of req) text += chunk
  const body = JSON.parse(text)
  const labels = body.tools[0].function.parameters.properties.choice.enum
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_0',
                type: 'function',
                function: {
                  name: body.tools[0].function.name,
                  arguments: JSON.stringify({
                    reasoning: 'The answer restates the input in capitals, as asked.',
                    choice: labels[0],
                  }),
                },
              },
            ],
          },
        },
      ],
      usage: {
        prompt_tokens: Math.ceil(text.length / 4),
        completion_tokens: 18,
        total_tokens: Math.ceil(text.length / 4) + 18,
      },
    }),
  )
})
standIn.listen(0, '127.0.0.1')
await once(standIn, 'listening')
const standInUrl = `http://127.0.0.1:${standIn.address().port}/v1`

const config = (judge) => `import { defineConfig } from 'vitest/config'
import { evalgate } from ${JSON.stringify(entries.plugin)}
export default defineConfig({
  plugins: [evalgate({ reporter: false${judge ? ", judge: { model: 'gpt-4o-mini', baseURL: process.env.BENCH_JUDGE_URL, apiKey: 'sk-bench-key-000000' }" : ''} })],
  ${entries.alias}
  test: { include: ['*.test.mjs'] },
})
`

const suite = (evaluators, imports) => `import { readFileSync } from 'node:fs'
import { dataset, describeEval, exactMatch, levenshtein } from ${JSON.stringify(entries.index)}
${imports}
const items = JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8'))
describeEval(dataset.inline('bench', items), (input) => input.text.toUpperCase(), [${evaluators}], {
  name: 'judges-replay',
  concurrency: 50,
})
`

const data = JSON.stringify(items)
const judgedDir = writeFixture('judges-replay-judged', {
  'data.json': data,
  'vitest.config.mjs': config(true),
  'judged.test.mjs': suite(
    "closedQA({ criteria: 'The output is the input in capital letters', threshold: 0.5 }), answerRelevance()",
    `import { answerRelevance, closedQA } from ${JSON.stringify(judgesEntry)}`,
  ),
})
const plainDir = writeFixture('judges-replay-deterministic', {
  'data.json': data,
  'vitest.config.mjs': config(false),
  'plain.test.mjs': suite('exactMatch(), levenshtein({ threshold: 0.5 })', ''),
})

const machine = await machineInfo()
console.log(
  `judges-replay: ${ITEMS} items × 2 judges replayed vs 2 deterministic evaluators, ${RUNS} runs each (evalgate from ${entries.kind}; ${machine.cpus} CPUs, load ${machine.loadavg1})`,
)
// Record once (live calls to the stand-in), then every measured run replays with the endpoint closed.
const recording = await runVitest(judgedDir, {
  env: { EVALGATE_REPLAY: 'record', BENCH_JUDGE_URL: standInUrl },
})
if (!recording.output.includes(`evalgate replay: 0 calls replayed, ${ITEMS * 2} recorded, 0 live`)) {
  throw new Error(`recording did not record ${ITEMS * 2} calls:\n${recording.output.slice(-3000)}`)
}
standIn.close()
const recordingsFile = join(judgedDir, '__recordings__', 'judged.test.mjs.jsonl')
const recordingBytes = statSync(recordingsFile).size
const recordedCalls = readFileSync(recordingsFile, 'utf8').trim().split('\n').length

const replayEnv = { EVALGATE_REPLAY: 'strict', BENCH_JUDGE_URL: 'http://127.0.0.1:9/v1' }
const check = (result) => {
  if (!result.output.includes(`evalgate replay: ${ITEMS * 2} calls replayed, 0 recorded, 0 live`)) {
    throw new Error(`the judged run did not replay every call:\n${result.output.slice(-3000)}`)
  }
  return result
}
// Warm-up of each (Vite's transform cache), not measured; then interleaved.
check(await runVitest(judgedDir, { env: replayEnv }))
await runVitest(plainDir)
const runs = { judged: [], deterministic: [] }
for (let i = 1; i <= RUNS; i++) {
  const judged = check(await runVitest(judgedDir, { env: replayEnv }))
  const plain = await runVitest(plainDir)
  runs.judged.push(judged)
  runs.deterministic.push(plain)
  console.log(
    `  run ${i}/${RUNS}: judged (replayed) ${round(judged.wallMs)} ms (cpu ${round(judged.cpuMs)}), deterministic ${round(plain.wallMs)} ms (cpu ${round(plain.cpuMs)})`,
  )
}
const med = (list, pick) => round(median(list.map(pick).filter((v) => v != null)))
const summary = {
  judged: { medianWallMs: med(runs.judged, (r) => r.wallMs), medianCpuMs: med(runs.judged, (r) => r.cpuMs) },
  deterministic: {
    medianWallMs: med(runs.deterministic, (r) => r.wallMs),
    medianCpuMs: med(runs.deterministic, (r) => r.cpuMs),
  },
}
const ratio = round(summary.judged.medianWallMs / summary.deterministic.medianWallMs, 3)
const cpuRatio = round(summary.judged.medianCpuMs / summary.deterministic.medianCpuMs, 3)
const bytesPer1000Calls = Math.round((recordingBytes / recordedCalls) * 1000)

console.log('')
printTable([
  ['variant', 'wall ms', 'cpu ms', '× deterministic (wall)', 'runs (wall ms)'],
  [
    '2 judges, replayed',
    summary.judged.medianWallMs,
    summary.judged.medianCpuMs,
    ratio,
    runs.judged.map((r) => round(r.wallMs)).join(' '),
  ],
  [
    '2 deterministic evaluators',
    summary.deterministic.medianWallMs,
    summary.deterministic.medianCpuMs,
    1,
    runs.deterministic.map((r) => round(r.wallMs)).join(' '),
  ],
])
console.log('')
console.log(
  `replayed judges / deterministic: ${ratio}× wall — target ≤ ${TARGET_RATIO}× — ${ratio <= TARGET_RATIO ? 'MET' : 'MISSED'}; ${cpuRatio}× cpu`,
)
console.log(
  `recordings: ${recordedCalls} calls in ${round(recordingBytes / 1024)} KiB = ${round(bytesPer1000Calls / 1024)} KiB per 1,000 calls`,
)

const file = writeResult('judges-replay', {
  items: ITEMS,
  judges: 2,
  runs: RUNS,
  evalgateFrom: entries.kind,
  reporter: false,
  machine,
  ...summary,
  ratio,
  cpuRatio,
  recordedCalls,
  recordingBytes,
  recordingBytesPer1000Calls: bytesPer1000Calls,
  target: { maxRatio: TARGET_RATIO },
  met: ratio <= TARGET_RATIO,
})
console.log(`results: ${file}`)
