#!/usr/bin/env bash
# `make clean`: stops everything, then removes local state (.run/, including
# the database) and build output. Keeps node_modules.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

main() {
  bash "$REPO_ROOT/scripts/down.sh"
  # PostgreSQL's data may live outside the run folder (see infra-up.sh).
  if [[ -L "$RUN_DIR/postgres" ]]; then
    rm -rf "$(readlink -f "$RUN_DIR/postgres")"
  fi
  rm -rf "$RUN_DIR"
  step clean "removed $(show_path "$RUN_DIR")"
  cd "$REPO_ROOT"
  rm -rf .turbo libs/*/dist services/*/dist bench/dist bench/.out libs/proto/src/gen
  find libs services bench -name '*.tsbuildinfo' -not -path '*/node_modules/*' -delete 2>/dev/null || true
  step clean "removed build output (dist/, generated protobuf code, turbo cache)"
}

main "$@"
