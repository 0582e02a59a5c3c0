#!/usr/bin/env bash
# Stops the PostgreSQL, Redis and NATS servers that infra-up.sh started in
# this run folder, and only those: a server given by POSTGRES_URL, REDIS_URL
# or NATS_URL has no pid file here and is never touched. Idempotent. Data
# stays in the run folder (`make clean` removes it).
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"
# shellcheck source=lib/processes.sh
source "$REPO_ROOT/scripts/lib/processes.sh"
# shellcheck source=lib/infra.sh
source "$REPO_ROOT/scripts/lib/infra.sh"

STOP_GRACE=20

stop_postgres() {
  [[ -e "$PG_HOME" ]] || { step postgres "not started here"; return; }
  local data pg_bin
  data="$(readlink -f "$PG_HOME")/data"
  if ! pg_bin="$(find_pg_bin)" || ! as_postgres "$pg_bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    step postgres "not running"
    return
  fi
  # "fast": roll back open transactions and disconnect clients (test pools)
  # instead of waiting for them to leave.
  as_postgres "$pg_bin/pg_ctl" stop -D "$data" -m fast -w -t "$STOP_GRACE" >/dev/null ||
    die "postgres: did not stop within ${STOP_GRACE}s; see $(show_path "$PG_LOG")"
  step postgres "stopped"
}

# stop_by_pid_file <name> <pid file>
stop_by_pid_file() {
  local name="$1" pid_file="$2" pid
  if ! pid="$(live_pid "$pid_file")"; then
    rm -f "$pid_file"
    step "$name" "not running"
    return
  fi
  stop_pid "$pid" "$STOP_GRACE"
  rm -f "$pid_file"
  step "$name" "stopped"
}

main() {
  stop_postgres
  stop_by_pid_file redis "$REDIS_PID"
  stop_by_pid_file nats "$NATS_PID"
}

main "$@"
