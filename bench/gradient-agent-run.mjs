// Gradient evaluation run benchmark (issue 12): a 1,000-row test case run against a stand-in agent
// that answers every call after 50 ms, at agent concurrency 50. Ideal wall time of the dataset
// phase = items × latency / concurrency = 1,000 × 50 ms / 50 = 1 s. Reported per repeat: the
// dataset phase (POST /v2/gen-ai/evaluation_runs until the agent's last answer) and the whole run
// (queued until a final status: writing, scoring with exactMatch and finalizing included), their ratio to
// the ideal, the most calls the agent saw in flight, and the 1-minute load average (the machine is
// shared: 2 cores, several agents and test suites running at once; wall times swing with it).
//
// The server runs in a child process (startServer from an esbuild bundle of src/server/index.ts in
// bench/.tmp/gradient-agent-run/, SQLite in a temp dir) so that the stand-in agent and the polling
// client here do not share its event loop. The dataset phase is timed here, from the POST to the
// stand-in's last answer; the whole run by the run's own queued_at and finished_at (the status is
// polled every 100 ms only to notice the end: polling costs the server a summary per read).
//
// Env: BENCH_AGENT_ITEMS (default 1000), BENCH_AGENT_LATENCY_MS (50), BENCH_AGENT_CONCURRENCY (50),
// BENCH_AGENT_REPEATS (5), BENCH_AGENT_CPU_PROF (a directory: the server process writes a
// .cpuprofile there; summarise with bench/lib/cpuprofile-summary.mjs).
// Usage: node bench/gradient-agent-run.mjs
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildServerBundle,
  machineInfo,
  median,
  printTable,
  round,
  startServerProcess,
  writeResult,
} from './lib/harness.mjs'

const ITEMS = Number(process.env.BENCH_AGENT_ITEMS ?? 1000)
const LATENCY_MS = Number(process.env.BENCH_AGENT_LATENCY_MS ?? 50)
const CONCURRENCY = Number(process.env.BENCH_AGENT_CONCURRENCY ?? 50)
const REPEATS = Number(process.env.BENCH_AGENT_REPEATS ?? 5)
const IDEAL_MS = (ITEMS * LATENCY_MS) / CONCURRENCY
const POLL_MS = 100

/** The stand-in agent: every chat completion answered after LATENCY_MS; counts calls in flight. */
async function startAgent() {
  const stats = { calls: 0, inFlight: 0, maxInFlight: 0, lastAnswerAt: 0 }
  const server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    stats.calls++
    stats.inFlight++
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
    await new Promise((r) => setTimeout(r, LATENCY_MS))
    stats.inFlight--
    stats.lastAnswerAt = performance.now()
    const body = JSON.parse(text)
    const prompt = body.messages.at(-1).content
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        id: `c${stats.calls}`,
        object: 'chat.completion',
        model: body.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: `answer to ${prompt}` }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    )
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${server.address().port}/v1`, stats, close: () => server.close() }
}

async function call(base, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    // keyless loopback server: the Gradient client always sends a token, the native one none
    headers: {
      ...(path.startsWith('/v2/') ? { authorization: 'Bearer bench' } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const json = await res.json()
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`)
  return json
}

async function setup(base, agentUrl) {
  const agent = await call(base, 'POST', '/api/v1/agents', {
    name: 'bench-agent',
    baseUrl: agentUrl,
    model: 'stand-in',
    concurrency: CONCURRENCY,
    timeoutMs: 30_000,
  })
  const csv = [
    'query,ground_truth',
    ...Array.from({ length: ITEMS }, (_, i) => `"{""query"":""question ${i}""}",answer to question ${i}`),
  ].join('\n')
  const presigned = await call(base, 'POST', '/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls', {
    files: [{ file_name: 'bench.csv', file_size: String(Buffer.byteLength(csv)) }],
  })
  const up = presigned.uploads[0]
  await fetch(up.presigned_url, { method: 'PUT', body: csv })
  const dataset = await call(base, 'POST', '/v2/gen-ai/evaluation_datasets', {
    name: 'bench',
    file_upload_dataset: { original_file_name: 'bench.csv', stored_object_key: up.object_key },
  })
  const { metrics } = await call(base, 'GET', '/v2/gen-ai/evaluation_metrics')
  const exact = metrics.find((m) => m.metric_name === 'exactMatch').metric_uuid
  const tc = await call(base, 'POST', '/v2/gen-ai/evaluation_test_cases', {
    name: 'bench',
    dataset_uuid: dataset.evaluation_dataset_uuid,
    metrics: [exact],
  })
  return { agentId: agent.id, testCaseId: tc.test_case_uuid }
}

async function oneRun(base, ids, agent, i) {
  agent.stats.maxInFlight = 0
  const callsBefore = agent.stats.calls
  const load = (await machineInfo()).loadavg1
  const t0 = performance.now()
  const { evaluation_run_uuids } = await call(base, 'POST', '/v2/gen-ai/evaluation_runs', {
    test_case_uuid: ids.testCaseId,
    run_name: `bench ${i}`,
    agent_uuids: [ids.agentId],
  })
  const uuid = evaluation_run_uuids[0]
  let run
  for (;;) {
    run = (await call(base, 'GET', `/v2/gen-ai/evaluation_runs/${uuid}`)).evaluation_run
    if (/SUCCESSFUL|FAILED|CANCELLED/.test(run.status)) break
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  const status = run.status
  // dataset phase: from the POST until the agent sent its last answer (timed here, not by polling);
  // whole run: the run's own queued_at → finished_at (server clock, same machine)
  const datasetMs = agent.stats.lastAnswerAt - t0
  const totalMs = Date.parse(run.finished_at) - Date.parse(run.queued_at)
  const results = await call(base, 'GET', `/v2/gen-ai/evaluation_runs/${uuid}/results?per_page=1`)
  return {
    status,
    rows: results.meta.total,
    calls: agent.stats.calls - callsBefore,
    maxInFlight: agent.stats.maxInFlight,
    datasetMs: round(datasetMs),
    totalMs: round(totalMs),
    loadavg1: load,
  }
}

const entry = buildServerBundle('gradient-agent-run')
const dir = mkdtempSync(join(tmpdir(), 'evalgate-bench-agent-'))
const agent = await startAgent()
const server = await startServerProcess(entry, {
  db: join(dir, 'bench.db'),
  options: { jobs: { pollMs: 50 } },
  cpuProfDir: process.env.BENCH_AGENT_CPU_PROF,
})
const runs = []
try {
  const ids = await setup(server.url, agent.url)
  for (let i = 0; i < REPEATS; i++) {
    const r = await oneRun(server.url, ids, agent, i)
    process.stdout.write(
      `run ${i + 1}/${REPEATS}: ${r.status} ${r.rows} rows, dataset ${r.datasetMs} ms, total ${r.totalMs} ms, ` +
        `max in flight ${r.maxInFlight}, load ${r.loadavg1}\n`,
    )
    runs.push(r)
  }
} finally {
  await server.stop()
  agent.close()
  rmSync(dir, { recursive: true, force: true })
}

const stat = (key) => {
  const v = runs.map((r) => r[key])
  return { median: round(median(v)), min: round(Math.min(...v)), max: round(Math.max(...v)) }
}
const dataset = stat('datasetMs')
const total = stat('totalMs')
const loads = runs.map((r) => r.loadavg1)
const summary = {
  items: ITEMS,
  latencyMs: LATENCY_MS,
  concurrency: CONCURRENCY,
  idealMs: IDEAL_MS,
  datasetMs: dataset,
  totalMs: total,
  datasetVsIdeal: round(dataset.median / IDEAL_MS, 2),
  totalVsIdeal: round(total.median / IDEAL_MS, 2),
  loadavg1: { min: Math.min(...loads), max: Math.max(...loads) },
  machine: await machineInfo(),
  runs,
}
console.log()
printTable([
  ['phase', 'median ms', 'min ms', 'max ms', `× ideal (${IDEAL_MS} ms)`],
  ['dataset (agent calls)', dataset.median, dataset.min, dataset.max, summary.datasetVsIdeal],
  ['whole run (+ scoring, finalize)', total.median, total.min, total.max, summary.totalVsIdeal],
])
console.log(
  `\nload average (1 min) during the runs: ${summary.loadavg1.min}–${summary.loadavg1.max} on ${summary.machine.cpus} cores (shared machine)`,
)
console.log(`written ${writeResult('gradient-agent-run', summary)}`)
