#!/usr/bin/env bash
# Vitest 3.2 compatibility check: builds and packs evalgate, installs the tarball next to
# vitest@3.2.x (from the npm registry) in a throw-away project, runs describeEval fixtures there
# through the published entry points (`evalgate`, `evalgate/vitest`) and checks the results.
# Usage: bash scripts/compat-vitest3.sh        (VITEST3=3.2 to pick another 3.x range)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
vitest_range="${VITEST3:-~3.2.0}"
work="$(mktemp -d "${TMPDIR:-/tmp}/evalgate-compat-XXXXXX")"
trap 'rm -rf "$work"' EXIT
say() { printf '[compat-vitest3] %s\n' "$*"; }

say "building evalgate into $work/pkg (the repository's dist/ is left alone)"
mkdir -p "$work/pkg"
cp "$repo/package.json" "$work/pkg/"
[ -f "$repo/README.md" ] && cp "$repo/README.md" "$work/pkg/"
(cd "$repo" && npx --no-install tsup --out-dir "$work/pkg/dist" >"$work/build.log" 2>&1) || {
  cat "$work/build.log"
  exit 1
}
tarball="$(cd "$work/pkg" && npm pack --silent --ignore-scripts 2>/dev/null | tail -n 1)"
say "packed $tarball"

app="$work/app"
mkdir -p "$app/evals" "$app/data"
cat >"$app/package.json" <<'JSON'
{ "name": "evalgate-compat-vitest3", "private": true, "type": "module" }
JSON
say "installing vitest@$vitest_range and the tarball (scripts off: native modules are not needed here)"
(cd "$app" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
  "vitest@$vitest_range" "$work/pkg/$tarball" >"$work/install.log" 2>&1) || {
  cat "$work/install.log"
  exit 1
}
installed="$(node -p "require('$app/node_modules/vitest/package.json').version")"
say "vitest $installed installed"
case "$installed" in 3.*) ;; *) say "expected Vitest 3.x, got $installed"; exit 1 ;; esac

# The fixtures import only the package's public entry points.
fixtures="$repo/test/fixtures"
cp "$fixtures/describe-basic/evals/"*.eval.ts "$app/evals/"
cp "$fixtures/describe-concurrency/evals/"*.eval.ts "$app/evals/"
cp "$fixtures/describe-concurrency/in-flight.ts" "$app/"
cp "$fixtures/describe-errors/evals/datasets.eval.ts" "$app/evals/"
cp "$fixtures/describe-errors/data/broken.jsonl" "$app/data/"
cat >"$app/vitest.config.ts" <<'TS'
import { defineConfig } from 'vitest/config'
import { evalgate } from 'evalgate/vitest'

export default defineConfig({
  plugins: [evalgate({ reporter: false, concurrency: 3, timeout: 2_000 })],
  test: { include: ['evals/**/*.eval.ts'], testTimeout: 150 },
})
TS

say "running vitest run in $app"
set +e
(cd "$app" && CI=true NO_COLOR=1 node node_modules/vitest/vitest.mjs run \
  --reporter=default --reporter=json --outputFile.json=report.json >"$work/run.log" 2>&1)
code=$?
set -e
cat "$work/run.log"
[ -f "$app/report.json" ] || { say "no JSON report written"; exit 1; }

node --input-type=module - "$app/report.json" "$work/run.log" "$code" <<'JS'
import { readFileSync } from 'node:fs'
const [reportPath, logPath, code] = process.argv.slice(2)
const report = JSON.parse(readFileSync(reportPath, 'utf8'))
const log = readFileSync(logPath, 'utf8')
const tests = report.testResults.flatMap((file) => file.assertionResults)
const problems = []
const check = (ok, what) => { if (!ok) problems.push(what) }
const suite = (name) => tests.filter((t) => t.ancestorTitles.at(-1) === name)
const statuses = (name) => suite(name).map((t) => `${t.title}=${t.status}`).join(', ')

check(code === '1', `exit code 1 expected (failing items and a broken dataset), got ${code}`)
check(statuses('capitals') === '#0 france=passed, #1 japan=failed, #2 peru=passed, #3 Kenya=passed', `capitals: ${statuses('capitals')}`)
check(suite('queued').length === 6 && suite('queued').every((t) => t.status === 'passed'), `queued: ${statuses('queued')}`)
check(suite('trials').map((t) => t.title).join('|') === '#0 a [trial 1/3]|#0 a [trial 2/3]|#0 a [trial 3/3]|#1 b [trial 1/3]|#1 b [trial 2/3]|#1 b [trial 3/3]', `trials: ${statuses('trials')}`)
const failures = Object.fromEntries(suite('failures').map((t) => [t.title, t]))
check(failures['#2 slow']?.meta?.evalgate?.result?.status === 'timeout', 'failures #2 slow: status timeout')
check(failures['#1 throws']?.meta?.evalgate?.result?.error?.message === 'upstream model returned 500', 'failures #1 throws: task error')
check(failures['#3 judge-crash']?.meta?.evalgate?.result?.scores?.[0]?.error === 'judge exploded', 'failures #3: evaluator error')

const evalTests = tests.filter((t) => t.title !== 'probe' && t.status !== 'skipped')
const withMeta = evalTests.filter((t) => t.meta?.evalgate?.schemaVersion === 1 && typeof t.meta.evalgate.result?.traceId === 'string')
check(evalTests.length > 40 && withMeta.length === evalTests.length, `meta on every item test: ${withMeta.length}/${evalTests.length}`)
const japan = suite('capitals')[1]
check(japan?.failureMessages?.[0]?.includes('✗ exact: score 0, needs >= 1'), 'japan failure message')
check(japan?.meta?.evalgate?.suite?.star?.metric === 'exact', 'japan suite definition in meta')

const peaks = {}
for (const t of [...suite('four'), ...suite('twelve'), ...suite('plugin-default')]) {
  const m = t.meta.evalgate
  peaks[m.suite.name] = Math.max(peaks[m.suite.name] ?? 0, m.result.output.peakInFlight)
}
check(peaks.four === 4 && peaks.twelve === 12 && peaks['plugin-default'] === 3, `in-flight peaks ${JSON.stringify(peaks)} (want four=4, twelve=12, plugin-default=3)`)
check(suite('plugin-timeout')[0]?.meta?.evalgate?.result?.status === 'timeout', "plugin's default timeout applied")
const probe = tests.find((t) => t.title === 'probe')
check(probe?.meta?.probe?.settings?.plugin === true, `plugin settings injected: ${JSON.stringify(probe?.meta?.probe)}`)

check(statuses('healthy') === '#0 h1=passed', `healthy suite next to broken datasets: ${statuses('healthy')}`)
check(/broken\.jsonl:2: invalid JSON/.test(log) && /broken\.jsonl:3: "input" is required/.test(log), 'dataset error with file and line in the output')

if (problems.length) {
  console.error(`[compat-vitest3] FAILED:\n  - ${problems.join('\n  - ')}`)
  process.exit(1)
}
console.log(`[compat-vitest3] OK: ${tests.length} tests checked (${withMeta.length} item tests with meta) on Vitest 3`)
JS
