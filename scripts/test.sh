#!/usr/bin/env bash
# Installs what is needed, then runs every check and the whole test suite (unit + integration
# against a real Kafka broker and ClickHouse). Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh || exit 1

failed_checks=0
run_check() {
  local name="$1"; shift
  echo "== $name"
  if ! "$@"; then echo "check failed: $name"; failed_checks=$((failed_checks + 1)); fi
}
run_check typecheck pnpm -s typecheck
run_check lint pnpm -s lint
run_check format pnpm -s format:check
run_check dependency-graph node scripts/check-deps.mjs
run_check build-config node scripts/build-config.mjs --check
run_check unused-code pnpm -s check:unused
run_check build pnpm -s build

echo "== tests"
mkdir -p .test-results
rm -f .test-results/vitest.json
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json "$@"
vitest_status=$?

# The reliability cases recorded their ledger rows; render docs/reliability.md from them.
[ -d .test-results/reliability ] && node_modules/.bin/tsx test/reliability/report.ts
node scripts/print-totals.mjs .test-results/vitest.json "$failed_checks"
totals_status=$?
[ "$vitest_status" -eq 0 ] && [ "$totals_status" -eq 0 ] && [ "$failed_checks" -eq 0 ]
