// Checks the JSON report of the describeEval fixtures run by scripts/packed-install-check.sh.
// Usage: node scripts/check-fixture-report.mjs <report.json> <run.log> <exit code>
import { readFileSync } from 'node:fs'

const [reportPath, logPath, code] = process.argv.slice(2)
const report = JSON.parse(readFileSync(reportPath, 'utf8'))
const log = readFileSync(logPath, 'utf8')
const tests = report.testResults.flatMap((file) => file.assertionResults)
const problems = []
const check = (ok, what) => {
  if (!ok) problems.push(what)
}
const suite = (name) => tests.filter((t) => t.ancestorTitles.at(-1) === name)
const statuses = (name) =>
  suite(name)
    .map((t) => `${t.title}=${t.status}`)
    .join(', ')

check(code === '1', `exit code 1 expected (failing items and a broken dataset), got ${code}`)
check(
  statuses('capitals') === '#0 france=passed, #1 japan=failed, #2 peru=passed, #3 Kenya=passed',
  `capitals: ${statuses('capitals')}`,
)
check(
  suite('queued').length === 6 && suite('queued').every((t) => t.status === 'passed'),
  `queued: ${statuses('queued')}`,
)
check(
  suite('trials')
    .map((t) => t.title)
    .join('|') ===
    '#0 a [trial 1/3]|#0 a [trial 2/3]|#0 a [trial 3/3]|#1 b [trial 1/3]|#1 b [trial 2/3]|#1 b [trial 3/3]',
  `trials: ${statuses('trials')}`,
)
const failures = Object.fromEntries(suite('failures').map((t) => [t.title, t]))
check(failures['#2 slow']?.meta?.evalgate?.result?.status === 'timeout', 'failures #2 slow: status timeout')
check(
  failures['#1 throws']?.meta?.evalgate?.result?.error?.message === 'upstream model returned 500',
  'failures #1 throws: task error',
)
check(
  failures['#3 judge-crash']?.meta?.evalgate?.result?.scores?.[0]?.error === 'judge exploded',
  'failures #3: evaluator error',
)

const evalTests = tests.filter((t) => t.title !== 'probe' && t.status !== 'skipped')
const withMeta = evalTests.filter(
  (t) => t.meta?.evalgate?.schemaVersion === 1 && typeof t.meta.evalgate.result?.traceId === 'string',
)
check(
  evalTests.length > 40 && withMeta.length === evalTests.length,
  `meta on every item test: ${withMeta.length}/${evalTests.length}`,
)
const japan = suite('capitals')[1]
check(japan?.failureMessages?.[0]?.includes('✗ exact: score 0, needs >= 1'), 'japan failure message')
check(japan?.meta?.evalgate?.suite?.star?.metric === 'exact', 'japan suite definition in meta')

const peaks = {}
for (const t of [...suite('four'), ...suite('twelve'), ...suite('plugin-default')]) {
  const m = t.meta.evalgate
  peaks[m.suite.name] = Math.max(peaks[m.suite.name] ?? 0, m.result.output.peakInFlight)
}
check(
  peaks.four === 4 && peaks.twelve === 12 && peaks['plugin-default'] === 3,
  `in-flight peaks ${JSON.stringify(peaks)} (want four=4, twelve=12, plugin-default=3)`,
)
check(
  suite('plugin-timeout')[0]?.meta?.evalgate?.result?.status === 'timeout',
  "plugin's default timeout applied",
)
const probe = tests.find((t) => t.title === 'probe')
check(
  probe?.meta?.probe?.settings?.plugin === true,
  `plugin settings injected: ${JSON.stringify(probe?.meta?.probe)}`,
)

check(statuses('healthy') === '#0 h1=passed', `healthy suite next to broken datasets: ${statuses('healthy')}`)
check(
  /broken\.jsonl:2: invalid JSON/.test(log) && /broken\.jsonl:3: "input" is required/.test(log),
  'dataset error with file and line in the output',
)

if (problems.length) {
  console.error(`[fixtures] FAILED:\n  - ${problems.join('\n  - ')}`)
  process.exit(1)
}
console.log(`[fixtures] OK: ${tests.length} tests checked (${withMeta.length} item tests with meta)`)
