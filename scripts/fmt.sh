#!/usr/bin/env bash
# `make fmt`: formats the protos with buf; TypeScript with prettier only when
# prettier is installed (it is not a project dependency).
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

cd "$REPO_ROOT"
step buf "format -w proto"
npx --no-install buf format -w proto
if [[ -x node_modules/.bin/prettier ]]; then
  step prettier "--write (TypeScript, JavaScript, JSON)"
  npx --no-install prettier --write --log-level warn '{libs,services,bench,scripts}/**/*.{ts,mts,mjs,json}'
else
  step prettier "not installed: skipped"
fi
