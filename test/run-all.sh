#!/usr/bin/env bash
# The test command of the README (`npm ci && npm test`): installs the Debian packages the
# tests use, then runs every suite in turn and prints one summary line. Each suite starts
# and stops the services it needs (see test/services/).
set -uo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false
bash test/services/install-system-packages.sh || exit 1

passed=0 failed=0 failures=()
stage() {
  local name=$1; shift
  echo; echo "=== $name: $*"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

stage typecheck npm run -s typecheck
stage types npm run -s types:check
stage lint npm run -s lint
# Each test stage is one project of test/vitest.config.ts (`vitest run --project <name>`).
stage worker npm run -s test:worker
stage history npm run -s test:history
stage archive npm run -s test:archive
stage events npm run -s test:events
stage contract npm run -s test:contract
stage node npm run -s test:node
stage e2e-production npm run -s test:e2e:production
stage browser npm run -s test:browser
stage bench-checker npm run -s test:bench
stage bench-smoke npm run -s bench -- --preset smoke --check

echo
[ ${#failures[@]} -gt 0 ] && echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
