#!/usr/bin/env bash
# Installs the packed evalgate as a user would and runs it, on one Node and one Vitest:
#   1. builds and packs evalgate (tsup into a temp dir; the repository's dist/ is left alone);
#   2. in a fresh project: `npm install --save-dev <tarball> vitest@<range> node@<major>` with no
#      flags (so nothing may need a compiler or an install script) — the install time is printed;
#   3. the README's quick start, with the README's own vitest.config.ts, evals/faq.eval.ts and
#      faq.jsonl blocks written verbatim: `npx vitest run` QUICKSTART_RUNS times (default 10),
#      alternating an answer that holds the gate (exit 0) and one that fails it (exit 1), each with
#      its summary, each followed by the `view:` command it printed, run as printed (set
#      QUICKSTART_RUNS=50 for a crash loop);
#   4. describeEval fixtures (test/fixtures/describe-*) through the published entry points, with
#      per-test checks of statuses, meta and concurrency.
# After the install it also requires every CommonJS entry point (scripts/check-cjs-entries.mjs).
# Usage: NODE_MAJOR=24 VITEST_RANGE=^5 bash scripts/packed-install-check.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
node_major="${NODE_MAJOR:-24}"
vitest_range="${VITEST_RANGE:-^5}"
runs="${QUICKSTART_RUNS:-10}"
work="$(mktemp -d "${TMPDIR:-/tmp}/evalgate-packed-XXXXXX")"
trap 'rm -rf "$work"' EXIT
tag="packed node@$node_major vitest@$vitest_range"
say() { printf '[%s] %s\n' "$tag" "$*"; }
fail() { say "FAILED: $*"; exit 1; }

say "building and packing evalgate"
mkdir -p "$work/pkg"
cp "$repo/package.json" "$repo/README.md" "$work/pkg/"
(cd "$repo" && npx --no-install tsup --out-dir "$work/pkg/dist" >"$work/build.log" 2>&1 &&
  npx --no-install vite build --config src/ui/vite.config.ts --outDir "$work/pkg/dist/ui" --emptyOutDir >>"$work/build.log" 2>&1) || {
  cat "$work/build.log"
  exit 1
}
tarball="$work/pkg/$(cd "$work/pkg" && npm pack --silent --ignore-scripts 2>/dev/null | tail -n 1)"
contents="$(tar -tzf "$tarball")"
grep -qx 'package/dist/ui/index.html' <<<"$contents" || fail "the tarball has no dashboard (dist/ui/index.html)"

app="$work/app"
mkdir -p "$app"
printf '{ "name": "evalgate-user-project", "private": true, "type": "module" }\n' >"$app/package.json"
say "npm install --save-dev evalgate vitest@$vitest_range node@$node_major (fresh project)"
start=$(date +%s%N)
(cd "$app" && npm install --save-dev --no-audit --no-fund "$tarball" "vitest@$vitest_range" "node@$node_major" >"$work/install.log" 2>&1) || {
  cat "$work/install.log"
  fail "npm install"
}
install_ms=$((($(date +%s%N) - start) / 1000000))
grep -qi "gyp\|prebuild-install" "$work/install.log" && fail "the install compiled or downloaded a native module"
node_version="$(cd "$app" && npx --no-install node --version)"
vitest_version="$(cd "$app" && npx --no-install node -p "require('vitest/package.json').version")"
say "installed in ${install_ms} ms: Node $node_version, Vitest $vitest_version"
case "$node_version" in "v$node_major."*) ;; *) fail "expected Node $node_major, got $node_version" ;; esac

# ---- the CommonJS entry points (tsup's second format): each loads, matches its ESM twin, works ----
cp "$repo/scripts/check-cjs-entries.mjs" "$app/"
(cd "$app" && npx --no-install node check-cjs-entries.mjs >"$work/cjs.log" 2>&1) || {
  cat "$work/cjs.log"
  fail "CommonJS entry points"
}
say "$(cat "$work/cjs.log")"

# ---- 3. the README's quick start, verbatim ----
quick="$app/quick"
mkdir -p "$quick/evals" "$quick/src"
(cd "$repo" && npx --no-install node scripts/readme-quickstart.mjs "$quick")
cat >"$quick/src/answer.ts" <<'TS'
// The user's own code. QUICKSTART_ANSWER=wrong makes the gate fail.
export async function answer(_question: unknown, _options: { signal: AbortSignal }): Promise<string> {
  return process.env.QUICKSTART_ANSWER === 'wrong' ? 'Ask the shop.' : 'You can return items within 30 days.'
}
TS
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then mode=right want=0; else mode=wrong want=1; fi
  set +e
  (cd "$quick" && CI=true NO_COLOR=1 QUICKSTART_ANSWER=$mode npx --no-install vitest run >"$work/quick.log" 2>&1)
  code=$?
  set -e
  if [ "$code" != "$want" ] || ! grep -q "evalgate  faq" "$work/quick.log"; then
    cat "$work/quick.log"
    fail "quick start run $i ($mode answer): exit $code, want $want with the evalgate summary"
  fi
  # The `view:` command the run printed, run as printed, after every run.
  view="$(grep -o 'view: npx evalgate show [^)·]*' "$work/quick.log" | head -n 1 | sed 's/^view: //')"
  [ -n "$view" ] || { cat "$work/quick.log"; fail "run $i printed no view: line"; }
  (cd "$quick" && NO_COLOR=1 $view >"$work/show.log" 2>&1) || {
    cat "$work/show.log"
    fail "run $i: the printed line failed: $view"
  }
  grep -q "faq" "$work/show.log" || { cat "$work/show.log"; fail "run $i: show did not show the run"; }
done
say "quick start: $runs runs, each with its summary and the right exit code (0 when the gate holds, 1 when it fails), each followed by its printed line: $view"
(cd "$quick" && npx --no-install evalgate runs >"$work/runs.log" 2>&1) || { cat "$work/runs.log"; fail "evalgate runs"; }
[ "$(grep -c "faq" "$work/runs.log")" -ge 1 ] || { cat "$work/runs.log"; fail "evalgate runs lists no faq run"; }

# ---- 4. describeEval fixtures through the published entry points ----
fixtures="$app/fixtures"
mkdir -p "$fixtures/evals" "$fixtures/data"
cp "$repo/test/fixtures/describe-basic/evals/"*.eval.ts "$fixtures/evals/"
cp "$repo/test/fixtures/describe-concurrency/evals/"*.eval.ts "$fixtures/evals/"
cp "$repo/test/fixtures/describe-concurrency/in-flight.ts" "$fixtures/"
cp "$repo/test/fixtures/describe-errors/evals/datasets.eval.ts" "$fixtures/evals/"
cp "$repo/test/fixtures/describe-errors/data/broken.jsonl" "$fixtures/data/"
cat >"$fixtures/vitest.config.ts" <<'TS'
import { defineConfig } from 'vitest/config'
import { evalgate } from 'evalgate/vitest'

export default defineConfig({
  plugins: [evalgate({ reporter: false, concurrency: 3, timeout: 2_000 })],
  test: { include: ['evals/**/*.eval.ts'], testTimeout: 150 },
})
TS
set +e
(cd "$fixtures" && CI=true NO_COLOR=1 npx --no-install vitest run \
  --reporter=default --reporter=json --outputFile.json=report.json >"$work/fixtures.log" 2>&1)
code=$?
set -e
[ -f "$fixtures/report.json" ] || { cat "$work/fixtures.log"; fail "no JSON report written"; }
(cd "$repo" && npx --no-install node scripts/check-fixture-report.mjs "$fixtures/report.json" "$work/fixtures.log" "$code") || {
  cat "$work/fixtures.log"
  fail "fixture checks"
}
say "OK (install ${install_ms} ms)"
