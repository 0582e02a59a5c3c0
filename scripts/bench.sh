#!/usr/bin/env bash
# `make bench`: builds what the benchmarks import, starts (or reuses) the
# local PostgreSQL/Redis/NATS, and runs bench/src/main.ts, which writes
# bench/RESULTS.md. Arguments choose suites or figures: `make bench ARGS=identity`.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

cd "$REPO_ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/infra-up.sh
# shellcheck source=/dev/null
source "$ENV_FILE"
exec node --import tsx bench/src/main.ts "$@"
