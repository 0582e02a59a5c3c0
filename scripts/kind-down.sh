#!/usr/bin/env bash
# `make kind-down`: deletes the local kind cluster (and everything in it).
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"
# shellcheck source=lib/tools.sh
source "$REPO_ROOT/scripts/lib/tools.sh"

CLUSTER="${SWITCHBOARD_KIND_CLUSTER:-switchboard}"
if "$TOOLS_BIN/kind" get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  "$TOOLS_BIN/kind" delete cluster --name "$CLUSTER"
  rm -f "$RUN_DIR/kind-demo.json"
  step kind "cluster $CLUSTER deleted"
else
  step kind "no cluster $CLUSTER: nothing to do"
fi
