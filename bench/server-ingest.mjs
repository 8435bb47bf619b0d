// Server benchmark: run-item ingest throughput over HTTP (batches of 1,000 items with 3 scores
// each) on SQLite and on PostgreSQL, and the read latency of a finalized 10,000-item run
// (GET run = summary, first results page; native API and Gradient routes).
// Targets (ARCHITECTURE.md §7): ≥ 20,000 items/s ingest on SQLite; < 50 ms per read.
//
// The server runs in a child process (startServer from a bundle of src/server/index.ts that this
// script builds with esbuild into bench/.tmp/server-ingest/: dist/ is shared, and other benchmarks
// swap it for builds of other commits while they run; BENCH_SERVER_ENTRY=<file> uses a given
// build instead, e.g. dist/server/index.js), so the
// load generator does not share its event loop. Request bodies are serialised before timing.
// PostgreSQL: a throwaway cluster (initdb as the `postgres` user, like test/helpers/postgres.ts)
// with synchronous_commit=off, the durability class of SQLite's WAL + synchronous=NORMAL that the
// store uses; skipped with a note when the binaries are missing.
//
// Env: BENCH_SERVER_ITEMS (default 20000), BENCH_SERVER_BATCH (1000), BENCH_SERVER_READS (20),
// BENCH_SERVER_REPEATS (3 ingests per configuration; median and best reported),
// BENCH_SERVER_DIALECTS (sqlite,postgres), BENCH_SERVER_CPU_PROF (a directory: the server process
// writes a .cpuprofile there; summarise with bench/lib/cpuprofile-summary.mjs).
// Usage: node bench/server-ingest.mjs
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  buildServerBundle,
  machineInfo,
  median,
  printTable,
  round,
  startServerProcess,
  writeResult,
} from './lib/harness.mjs'

const ITEMS = Number(process.env.BENCH_SERVER_ITEMS ?? 20_000)
const BATCH = Number(process.env.BENCH_SERVER_BATCH ?? 1_000)
const READS = Number(process.env.BENCH_SERVER_READS ?? 20)
const REPEATS = Number(process.env.BENCH_SERVER_REPEATS ?? 3)
const READ_RUN_ITEMS = 10_000
const DIALECTS = (process.env.BENCH_SERVER_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim())
const INGEST_TARGET = 20_000
const READ_TARGET_MS = 50

// ---------- data ----------
function suiteDef(name) {
  return {
    name,
    dataset: { name: `${name}-data`, version: 'bench-v1', size: ITEMS },
    metrics: [
      { name: 'exactMatch', scoreType: 'boolean', threshold: 1 },
      { name: 'levenshtein', threshold: 0.8 },
      { name: 'toxicity', threshold: 0.2, inverted: true },
    ],
    star: { metric: 'levenshtein', successThreshold: 0.7 },
    gate: { passRate: 0.5 },
  }
}

function item(i) {
  const lev = (i % 100) / 100
  const exact = i % 3 === 0 ? 1 : 0
  return {
    itemId: `item-${i}`,
    index: i,
    trial: 0,
    input: { question: `What is the status of order ${i}?`, locale: 'en' },
    expected: `Order ${i} shipped on day ${i % 31}.`,
    tags: ['bench'],
    metadata: { shard: i % 4 },
    status: 'completed',
    output: `Order ${i} was shipped on day ${i % 31}.`,
    error: null,
    passed: lev >= 0.8 && exact === 1,
    latencyMs: 20 + (i % 50),
    startedAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    usage: { inputTokens: 40 + (i % 7), outputTokens: 12 + (i % 5) },
    costUsd: 0.00002,
    toolCalls: null,
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    scores: [
      {
        metric: 'exactMatch',
        score: exact,
        passed: exact === 1,
        threshold: 1,
        inverted: false,
        durationMs: 0.01,
      },
      {
        metric: 'levenshtein',
        score: lev,
        passed: lev >= 0.8,
        threshold: 0.8,
        inverted: false,
        reason: 'edit distance',
        durationMs: 0.02,
      },
      { metric: 'toxicity', score: 0.05, passed: true, threshold: 0.2, inverted: true, durationMs: 0.01 },
    ],
  }
}

function batchBodies(count) {
  const bodies = []
  for (let start = 0; start < count; start += BATCH) {
    const items = []
    for (let i = start; i < Math.min(count, start + BATCH); i++) items.push(item(i))
    bodies.push(JSON.stringify({ items }))
  }
  return bodies
}

// ---------- server in a child process ----------

// ---------- throwaway PostgreSQL ----------
function postgresBin() {
  // As test/helpers/postgres.ts: EVALGATE_PG_BIN, else `pg_config --bindir`, else initdb on PATH.
  const hasServer = (dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))
  if (process.env.EVALGATE_PG_BIN)
    return hasServer(process.env.EVALGATE_PG_BIN) ? process.env.EVALGATE_PG_BIN : undefined
  const run = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    } catch {
      return undefined
    }
  }
  const fromPgConfig = run('pg_config', ['--bindir'])
  if (hasServer(fromPgConfig)) return fromPgConfig
  const initdb = run('sh', ['-c', 'command -v initdb'])
  const fromPath = initdb ? dirname(realpathSync(initdb)) : undefined
  return hasServer(fromPath) ? fromPath : undefined
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const isRoot = process.getuid?.() === 0
function asPostgres(cmd, args) {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
}

async function startPostgres(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'evalgate-bench-pg-'))
  const data = join(dir, 'data')
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    chownSync(dir, uid, gid)
  }
  asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=50`
  asPostgres(join(bin, 'pg_ctl'), [
    'start',
    '-D',
    data,
    '-w',
    '-t',
    '60',
    '-l',
    join(dir, 'server.log'),
    '-o',
    opts,
  ])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        asPostgres(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

// ---------- HTTP ----------
async function call(url, method = 'GET', body) {
  const res = await fetch(url, {
    method,
    ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text.slice(0, 500)}`)
  return JSON.parse(text)
}

async function createRun(base, name) {
  const { run } = await call(
    `${base}/api/v1/runs`,
    'POST',
    JSON.stringify({ suite: suiteDef(name), runGroup: name }),
  )
  return run.id
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100
  } catch {
    return 100
  }
})()

/**
 * CPU time (user + system, ms) the server process has used so far, from /proc; undefined where
 * there is no /proc. On a shared machine this is steadier than wall time: waiting for a core is
 * not counted.
 */
function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}

/** Sends the batches with `concurrency` requests in flight; returns the elapsed ms. */
async function ingest(base, runId, bodies, concurrency) {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]
        await call(`${base}/api/v1/runs/${runId}/items`, 'POST', body)
      }
    }),
  )
  return performance.now() - started
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

async function latency(url) {
  await call(url) // warm-up (connection, caches)
  const times = []
  for (let i = 0; i < READS; i++) {
    const t = performance.now()
    await call(url)
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return { median: round(percentile(times, 50), 2), p95: round(percentile(times, 95), 2) }
}

async function benchDialect(dialect, bodies, readBodies) {
  const tmp = mkdtempSync(join(tmpdir(), `evalgate-bench-${dialect}-`))
  let pg
  let server
  try {
    let db = join(tmp, 'evalgate.db')
    if (dialect === 'postgres') {
      const bin = postgresBin()
      if (!bin) return { dialect, skipped: 'PostgreSQL binaries not found (apt-get install postgresql)' }
      pg = await startPostgres(bin)
      db = pg.url
    }
    server = await startServerProcess(serverEntry, {
      db,
      cwd: tmp,
      cpuProfDir: process.env.BENCH_SERVER_CPU_PROF,
    })
    const base = server.url

    // each configuration REPEATS times into fresh runs: the machine is shared, so report the
    // median and the best (least disturbed) repetition
    const seqRates = []
    const parRates = []
    const seqCpuMs = []
    let sequentialRun
    let concurrentRun
    for (let r = 0; r < REPEATS; r++) {
      sequentialRun = await createRun(base, `ingest-seq-${dialect}-${r}`)
      const cpuBefore = processCpuMs(server.pid)
      seqRates.push(ITEMS / ((await ingest(base, sequentialRun, bodies, 1)) / 1000))
      const cpuAfter = processCpuMs(server.pid)
      if (cpuBefore !== undefined && cpuAfter !== undefined) seqCpuMs.push(cpuAfter - cpuBefore)
      concurrentRun = await createRun(base, `ingest-par-${dialect}-${r}`)
      parRates.push(ITEMS / ((await ingest(base, concurrentRun, bodies, 4)) / 1000))
    }
    // re-sending the same batches: idempotent upserts (replace, no new rows)
    const resendMs = await ingest(base, sequentialRun, bodies.slice(0, Math.min(5, bodies.length)), 1)
    const resendItems = Math.min(5, bodies.length) * BATCH

    // a finalized 10,000-item run for the read latencies
    const readRun = await createRun(base, `read-${dialect}`)
    await ingest(base, readRun, readBodies, 2)
    let t = performance.now()
    const finalized = await call(`${base}/api/v1/runs/${readRun}/finalize`, 'POST', '{}')
    const finalizeMs = performance.now() - t
    if (finalized.summary.totalItems !== READ_RUN_ITEMS) {
      throw new Error(`read run has ${finalized.summary.totalItems} items, expected ${READ_RUN_ITEMS}`)
    }
    const check = await call(`${base}/api/v1/runs/${sequentialRun}`)
    if (check.summary.totalItems !== ITEMS)
      throw new Error(`ingest run has ${check.summary.totalItems} items`)
    t = performance.now()
    await call(`${base}/api/v1/runs/${concurrentRun}`) // first read after ingest: summary recomputed
    const staleSummaryMs = performance.now() - t

    return {
      dialect,
      items: ITEMS,
      batch: BATCH,
      repeats: REPEATS,
      ingestSequentialItemsPerSec: Math.round(median(seqRates)),
      ingestSequentialBestItemsPerSec: Math.round(Math.max(...seqRates)),
      ...(seqCpuMs.length > 0
        ? { serverCpuMsPer1000Items: round((median(seqCpuMs) / ITEMS) * 1000, 1) }
        : {}),
      ingestConcurrent4ItemsPerSec: Math.round(median(parRates)),
      ingestConcurrent4BestItemsPerSec: Math.round(Math.max(...parRates)),
      resendItemsPerSec: Math.round(resendItems / (resendMs / 1000)),
      finalize10kMs: round(finalizeMs, 1),
      firstSummaryAfterIngestMs: round(staleSummaryMs, 1),
      reads10k: {
        nativeRun: await latency(`${base}/api/v1/runs/${readRun}`),
        nativeResultsPage1: await latency(`${base}/api/v1/runs/${readRun}/results?page=1&perPage=100`),
        gradientRun: await latency(`${base}/v2/gen-ai/evaluation_runs/${readRun}`),
        gradientResultsPage1: await latency(
          `${base}/v2/gen-ai/evaluation_runs/${readRun}/results?page=1&per_page=100`,
        ),
      },
    }
  } finally {
    await server?.stop()
    pg?.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

const serverEntry = buildServerBundle('server-ingest')
const bodies = batchBodies(ITEMS)
const readBodies = batchBodies(READ_RUN_ITEMS)
const results = []
for (const dialect of DIALECTS) {
  process.stdout.write(`server-ingest: ${dialect} …\n`)
  try {
    results.push(await benchDialect(dialect, bodies, readBodies))
  } catch (error) {
    results.push({ dialect, error: String(error?.stack ?? error) })
  }
}

const sqlite = results.find((r) => r.dialect === 'sqlite' && !r.error && !r.skipped)
const reads = results.flatMap((r) => (r.reads10k ? Object.values(r.reads10k).map((v) => v.p95) : []))
const result = {
  machine: await machineInfo(),
  targets: { sqliteIngestItemsPerSec: INGEST_TARGET, readMs: READ_TARGET_MS },
  met: {
    sqliteIngest: sqlite ? sqlite.ingestSequentialItemsPerSec >= INGEST_TARGET : null,
    readsP95: reads.length > 0 ? reads.every((p95) => p95 < READ_TARGET_MS) : null,
  },
  results,
}
writeResult('server-ingest', result)
console.log(JSON.stringify(result))
console.log()
const rows = [['dialect', 'metric', 'value', 'target']]
for (const r of results) {
  if (r.skipped || r.error) {
    rows.push([r.dialect, r.skipped ? 'skipped' : 'error', (r.skipped ?? r.error).split('\n')[0], ''])
    continue
  }
  const target = r.dialect === 'sqlite' ? `>= ${INGEST_TARGET}` : ''
  rows.push([
    r.dialect,
    `ingest items/s, 1 client (${r.items} items, batches of ${r.batch}), median / best of ${r.repeats}`,
    `${r.ingestSequentialItemsPerSec} / ${r.ingestSequentialBestItemsPerSec}`,
    target,
  ])
  rows.push([
    r.dialect,
    `ingest items/s, 4 concurrent requests, median / best of ${r.repeats}`,
    `${r.ingestConcurrent4ItemsPerSec} / ${r.ingestConcurrent4BestItemsPerSec}`,
    target,
  ])
  if (r.serverCpuMsPer1000Items !== undefined) {
    rows.push([r.dialect, 'server CPU ms per 1000 items (1 client, median)', r.serverCpuMsPer1000Items, ''])
  }
  rows.push([r.dialect, 're-sent batches items/s (idempotent upsert)', r.resendItemsPerSec, ''])
  rows.push([r.dialect, 'finalize 10k-item run (ms)', r.finalize10kMs, ''])
  rows.push([r.dialect, `first GET run after ${r.items}-item ingest (ms)`, r.firstSummaryAfterIngestMs, ''])
  for (const [name, v] of Object.entries(r.reads10k)) {
    rows.push([
      r.dialect,
      `10k run: ${name} median / p95 (ms)`,
      `${v.median} / ${v.p95}`,
      `< ${READ_TARGET_MS}`,
    ])
  }
}
printTable(rows)
for (const r of results) if (r.error) console.error(`\n${r.dialect} failed:\n${r.error}`)
