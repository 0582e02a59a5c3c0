#!/usr/bin/env bash
# Generates the TypeScript code for proto/ (buf generate, protoc-gen-es) and
# lints the protos (buf lint, STANDARD rules).
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

cd "$REPO_ROOT"
step proto "buf generate + buf lint"
npm run --silent proto -w @switchboard/proto
