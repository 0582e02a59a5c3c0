#!/usr/bin/env bash
# Generates the protobuf code (buf generate + buf lint) and builds every
# workspace package with turbo, dependencies first.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

export TURBO_TELEMETRY_DISABLED=1

main() {
  cd "$REPO_ROOT"
  bash "$REPO_ROOT/scripts/proto.sh"
  step build "turbo run build ${*:-}"
  npx --no-install turbo run build "$@" --output-logs=errors-only
}

main "$@"
