#!/usr/bin/env bash
# `make lint`: buf lint, buf breaking against the previous commit (when
# there is one with protos), and the TypeScript type-check of every package.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

export TURBO_TELEMETRY_DISABLED=1

main() {
  cd "$REPO_ROOT"
  step buf "lint"
  npx --no-install buf lint proto
  if [[ -d .git ]] && git rev-parse --verify -q 'HEAD~1^{commit}' >/dev/null && git cat-file -e 'HEAD~1:proto' 2>/dev/null; then
    step buf "breaking changes against HEAD~1"
    npx --no-install buf breaking proto --against '.git#ref=HEAD~1,subdir=proto'
  else
    step buf "breaking: skipped (no previous commit with proto/ to compare with)"
  fi
  step tsc "turbo run typecheck"
  npx --no-install turbo run typecheck --output-logs=errors-only
}

main "$@"
