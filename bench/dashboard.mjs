// Dashboard benchmark in real Chromium (Debian's /usr/bin/chromium via playwright-core; a browser is
// never downloaded): a finalized 10,000-item run on SQLite, then
//   - run page: navigation start → the page rendered with its data (the app's `evalgate:render`
//     performance mark), and first contentful paint; fresh page load each time (cache kept, as a
//     returning user has it);
//   - items-table interaction: click "failed" → the filtered table rendered (in-page clock, from
//     the click to the render mark), alternating with "all".
// Plus the first-load asset size (raw and gzip) of the built dashboard.
// Targets (issue 11): run page < 1 s, filter < 100 ms, first load < 150 KB gzipped.
//
// The server is dist/server/index.js (built by ensureBuilt); the dashboard is built from src/ui with
// Vite into bench/.tmp/dashboard-ui/ (tsup's clean would remove dist/ui).
// Env: BENCH_DASHBOARD_ITEMS (default 10000), BENCH_DASHBOARD_REPEATS (default 10).
// Usage: node bench/dashboard.mjs
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import {
  benchDir,
  ensureBuilt,
  machineInfo,
  median,
  printTable,
  repoRoot,
  round,
  writeResult,
} from './lib/harness.mjs'

const ITEMS = Number(process.env.BENCH_DASHBOARD_ITEMS ?? 10_000)
const REPEATS = Number(process.env.BENCH_DASHBOARD_REPEATS ?? 10)
const CHROMIUM = '/usr/bin/chromium'
const TARGETS = { runPageMs: 1000, filterMs: 100, firstLoadGzipBytes: 150 * 1024 }

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing (apt-get install chromium): dashboard benchmark skipped`)
  process.exit(0)
}
if (!ensureBuilt()) process.exit(1)

const uiDir = join(benchDir, '.tmp', 'dashboard-ui')
mkdirSync(uiDir, { recursive: true })
const { build } = await import('vite')
await build({
  configFile: join(repoRoot, 'src/ui/vite.config.ts'),
  logLevel: 'error',
  build: { outDir: uiDir, emptyOutDir: true },
})

function assetSizes() {
  const html = readFileSync(join(uiDir, 'index.html'))
  const files = [
    html,
    ...readdirSync(join(uiDir, 'assets')).map((f) => readFileSync(join(uiDir, 'assets', f))),
  ]
  return {
    rawBytes: files.reduce((a, b) => a + b.length, 0),
    gzipBytes: files.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0),
  }
}

function item(i) {
  const score = ((i * 37) % 100) / 100
  const passed = score >= 0.3
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
    passed,
    latencyMs: 20 + (i % 50),
    startedAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    usage: { inputTokens: 40, outputTokens: 12 },
    costUsd: 0.00002,
    toolCalls: null,
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    scores: [
      {
        metric: 'accuracy',
        score,
        passed,
        threshold: 0.3,
        inverted: false,
        reason: 'judge says so',
        durationMs: 1,
      },
      { metric: 'toxicity', score: 0.05, passed: true, threshold: 0.2, inverted: true, durationMs: 1 },
    ],
  }
}

async function post(url, path, body) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

const dir = mkdtempSync(join(tmpdir(), 'evalgate-bench-dashboard-'))
const { startServer } = await import(pathToFileURL(join(repoRoot, 'dist/server/index.js')).href)
const server = await startServer({ db: join(dir, 'e.db'), dashboardDir: uiDir })
let context
try {
  const suite = {
    name: 'orders',
    dataset: { name: 'orders-data', version: 'bench-v1', size: ITEMS },
    metrics: [
      { name: 'accuracy', threshold: 0.3 },
      { name: 'toxicity', threshold: 0.2, inverted: true },
    ],
    star: { metric: 'accuracy', successThreshold: 0.5 },
    gate: { passRate: 0.6 },
  }
  const { run } = await post(server.url, '/api/v1/runs', { suite, runGroup: 'bench' })
  for (let start = 0; start < ITEMS; start += 1000) {
    const items = []
    for (let i = start; i < Math.min(ITEMS, start + 1000); i++) items.push(item(i))
    await post(server.url, `/api/v1/runs/${run.id}/items`, { items })
  }
  await post(server.url, `/api/v1/runs/${run.id}/finalize`, {})

  const { chromium } = await import('playwright-core')
  const profile = mkdtempSync(join(tmpdir(), 'evalgate-bench-chromium-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 900 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const runUrl = `${server.url}/runs/${run.id}`
  const rendered = (n) =>
    page.locator(`#app[data-ready="${n}"]:not([aria-busy])`).waitFor({ state: 'attached' })

  // warm-up: the server's statement cache and the browser's asset cache
  await page.goto(runUrl)
  await rendered(1)

  const loads = []
  for (let r = 0; r < REPEATS; r++) {
    await page.goto(runUrl)
    await rendered(1)
    loads.push(
      await page.evaluate(() => ({
        render: performance.getEntriesByName('evalgate:render')[0].startTime,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        rows: document.querySelectorAll('table.items tbody tr').length,
      })),
    )
  }

  const filters = []
  let seq = 1
  for (let r = 0; r < REPEATS * 2; r++) {
    const target = r % 2 === 0 ? 'failed' : 'all'
    const t0 = await page.evaluate((f) => {
      const t = performance.now()
      document.querySelector(`a[data-filter="${f}"]`).click()
      return t
    }, target)
    seq++
    await rendered(seq)
    const t1 = await page.evaluate(() => performance.getEntriesByName('evalgate:render').at(-1).startTime)
    const rows = await page.locator('table.items tbody tr').count()
    if (target === 'failed') filters.push({ ms: t1 - t0, rows })
  }
  await context.close()
  context = undefined
  rmSync(profile, { recursive: true, force: true })

  const sizes = assetSizes()
  const runPageMs = round(median(loads.map((l) => l.render)), 1)
  const fcpMs = round(median(loads.map((l) => l.fcp ?? Number.NaN)), 1)
  const filterMs = round(median(filters.map((f) => f.ms)), 1)
  printTable([
    ['measure', 'median', 'best', 'target'],
    [
      'run page rendered with data (ms)',
      runPageMs,
      round(Math.min(...loads.map((l) => l.render)), 1),
      TARGETS.runPageMs,
    ],
    ['first contentful paint (ms)', fcpMs, round(Math.min(...loads.map((l) => l.fcp ?? Infinity)), 1), ''],
    ['filter to failed (ms)', filterMs, round(Math.min(...filters.map((f) => f.ms)), 1), TARGETS.filterMs],
    ['first load, gzip (bytes)', sizes.gzipBytes, '', TARGETS.firstLoadGzipBytes],
    ['first load, raw (bytes)', sizes.rawBytes, '', ''],
  ])
  const path = writeResult('dashboard', {
    machine: await machineInfo(),
    items: ITEMS,
    repeats: REPEATS,
    targets: TARGETS,
    met: {
      runPage: runPageMs < TARGETS.runPageMs,
      filter: filterMs < TARGETS.filterMs,
      size: sizes.gzipBytes < TARGETS.firstLoadGzipBytes,
    },
    runPageRenderedMs: runPageMs,
    firstContentfulPaintMs: fcpMs,
    filterToFailedMs: filterMs,
    failedRowsShown: filters[0]?.rows ?? null,
    rowsShown: loads[0]?.rows ?? null,
    firstLoadGzipBytes: sizes.gzipBytes,
    firstLoadRawBytes: sizes.rawBytes,
    runPageSamplesMs: loads.map((l) => round(l.render, 1)),
    filterSamplesMs: filters.map((f) => round(f.ms, 1)),
  })
  console.log(`\nresult: ${path}`)
} finally {
  await context?.close().catch(() => {})
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}
