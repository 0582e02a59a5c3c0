#!/usr/bin/env bash
# Stops the services that up.sh started (pid files in <run>/pids): SIGTERM,
# a grace period for graceful shutdown (drain calls, flush telemetry), then
# SIGKILL. Idempotent.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"
# shellcheck source=lib/processes.sh
source "$REPO_ROOT/scripts/lib/processes.sh"

STOP_GRACE="${SWITCHBOARD_STOP_GRACE:-15}"

main() {
  [[ -d "$PID_DIR" ]] || return 0
  local pid_file name pid
  for pid_file in "$PID_DIR"/*.pid; do
    [[ -e "$pid_file" ]] || continue
    name="$(basename "$pid_file" .pid)"
    if pid="$(live_pid "$pid_file")"; then
      stop_pid "$pid" "$STOP_GRACE"
      step "$name" "stopped"
    fi
    rm -f "$pid_file"
  done
}

main "$@"
