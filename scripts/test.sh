#!/usr/bin/env bash
# `make test` (and .ci/run): everything a fresh clone needs, then every check.
#   dependencies (npm, pinned helm) -> PostgreSQL/Redis/NATS -> buf generate + buf lint
#   -> turbo build + typecheck -> vitest over every workspace
# Ends with one line "tests: N passed, M failed" and a non-zero exit when
# anything failed or no test ran. Servers given by POSTGRES_URL, REDIS_URL
# and NATS_URL are reused instead of started.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

export TURBO_TELEMETRY_DISABLED=1

# Reads vitest's JSON report, prints the summary line, and exits 0 only when
# tests ran and none failed (a test file that cannot even load counts too).
summarize() {
  local report="$1" vitest_status="$2"
  [[ -s "$report" ]] || die "vitest wrote no report ($(show_path "$report")); exit status $vitest_status"
  node - "$report" "$vitest_status" <<'NODE'
const fs = require("node:fs");
const [report, vitestStatus] = process.argv.slice(2);
const r = JSON.parse(fs.readFileSync(report, "utf8"));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
const brokenFiles = (r.testResults ?? []).filter((f) => f.status === "failed" && (f.assertionResults ?? []).length === 0);
for (const file of brokenFiles) console.log(`test file failed to run: ${file.name}: ${(file.message ?? "").split("\n")[0]}`);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
if (r.numTotalTests === 0) console.log("error: no test ran");
const ok = r.numTotalTests > 0 && r.numFailedTests === 0 && r.numFailedTestSuites === 0 && vitestStatus === "0";
process.exit(ok ? 0 : 1);
NODE
}

main() {
  cd "$REPO_ROOT"
  bash scripts/install-deps.sh
  # The chart tests run helm from .tools/bin; installed once, then a no-op.
  bash scripts/install-tools.sh helm
  bash scripts/infra-up.sh
  # shellcheck source=/dev/null
  source "$ENV_FILE"
  bash scripts/proto.sh
  # A package that fails to build or type-check must not hide the results of
  # every other suite: build what can be built, test, then fail at the end.
  step build "turbo run build typecheck"
  local checks=0
  npx --no-install turbo run build typecheck --output-logs=errors-only --continue=dependencies-successful || checks=$?

  step test "vitest run (every workspace)"
  local report="$RUN_DIR/vitest.json" status=0 summary=0
  rm -f "$report"
  npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
  if ((checks != 0)); then
    echo "build/typecheck: FAILED (turbo output above)"
  fi
  summarize "$report" "$status" || summary=$?
  ((checks == 0 && summary == 0))
}

main "$@"
