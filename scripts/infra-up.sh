#!/usr/bin/env bash
# Starts PostgreSQL, Redis and NATS (JetStream) on loopback for local runs and
# tests, with their state in the project-local run folder (.run/ by default,
# SWITCHBOARD_RUN_DIR to move it). Idempotent: servers already running are
# left alone. A server given by POSTGRES_URL / REDIS_URL / NATS_URL is reused
# (only checked) instead of started. Writes <run>/env to be sourced.
#
# Ports: SWITCHBOARD_PG_PORT (15432), SWITCHBOARD_REDIS_PORT (16379),
#        SWITCHBOARD_NATS_PORT (14222), SWITCHBOARD_NATS_MONITOR_PORT (18222).
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"
# shellcheck source=lib/processes.sh
source "$REPO_ROOT/scripts/lib/processes.sh"
# shellcheck source=lib/packages.sh
source "$REPO_ROOT/scripts/lib/packages.sh"
# shellcheck source=lib/infra.sh
source "$REPO_ROOT/scripts/lib/infra.sh"

READY_TIMEOUT=60

# A URL in the environment means "reuse that server", unless it is the URL
# of a server this run folder started before (after `. .run/env` it is):
# then the server is ours to start again. servers/<name> records that.
#   given_url <value> <our URL> <name>
given_url() {
  local value="$1" own="$2" name="$3"
  [[ -n "$value" ]] || return 1
  [[ "$value" != "$own" || ! -f "$RUN_DIR/servers/$name" ]]
}

postgres_given() { given_url "${POSTGRES_URL:-}" "$OWN_POSTGRES_URL" postgres; }
redis_given() { given_url "${REDIS_URL:-}" "$OWN_REDIS_URL" redis; }
nats_given() { given_url "${NATS_URL:-}" "$OWN_NATS_URL" nats; }

# mark_own <name> <url>: this run folder runs that server.
mark_own() {
  mkdir -p "$RUN_DIR/servers"
  printf '%s\n' "$2" >"$RUN_DIR/servers/$1"
}

install_missing_packages() {
  local missing=()
  if ! postgres_given && ! find_pg_bin >/dev/null; then missing+=(postgresql); fi
  if ! redis_given && ! command -v redis-server >/dev/null; then missing+=(redis-server); fi
  if ! command -v redis-cli >/dev/null; then missing+=(redis-tools); fi
  if ! nats_given && ! find_nats_server >/dev/null; then missing+=(nats-server); fi
  ensure_packages "${missing[@]}"
}

refuse_foreign_port() {
  local name="$1" port="$2" variable="$3" url_variable="$4"
  if port_in_use "$port"; then
    die "$name: port $port on 127.0.0.1 is taken by a process this script did not start.
  either reuse that server:      export $url_variable=...
  or pick another port:          export $variable=<free port>"
  fi
}

# ---- PostgreSQL ------------------------------------------------------------

# As root, PostgreSQL runs as `postgres`, which must be able to reach its
# data directory. When the run folder sits under a directory it cannot
# traverse (e.g. /root), the data lives in /var/tmp and .run/postgres links
# to it.
prepare_pg_home() {
  if [[ "$(id -u)" -ne 0 ]]; then
    mkdir -p "$PG_HOME"
    link_pg_log
    return
  fi
  id -u postgres >/dev/null 2>&1 ||
    die "postgres: running as root needs the 'postgres' system user (the Debian package creates it); or run as a regular user"
  if [[ ! -e "$PG_HOME" ]]; then
    if runuser -u postgres -- test -x "$RUN_DIR"; then
      mkdir -p "$PG_HOME"
    else
      local outside
      outside="/var/tmp/switchboard-postgres-$(printf '%s' "$RUN_DIR" | sha256sum | cut -c1-12)"
      mkdir -p "$outside"
      ln -s "$outside" "$PG_HOME"
    fi
  fi
  PG_HOME="$(readlink -f "$PG_HOME")"
  PG_DATA="$PG_HOME/data"
  chown postgres:postgres "$PG_HOME"
  chmod 700 "$PG_HOME"
  link_pg_log
}

# pg_ctl writes the log as the server's user, so it lives beside the data
# (PG_SERVER_LOG); logs/postgres.log (PG_LOG) links to it, next to the others.
link_pg_log() {
  PG_SERVER_LOG="$PG_HOME/postgres.log"
  touch "$PG_SERVER_LOG"
  [[ "$(id -u)" -ne 0 ]] || chown postgres "$PG_SERVER_LOG"
  if [[ "$(readlink -f "$PG_LOG" 2>/dev/null)" != "$PG_SERVER_LOG" ]]; then
    rm -f "$PG_LOG"
    ln -s "$PG_SERVER_LOG" "$PG_LOG"
  fi
}

pg_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres
}

start_postgres() {
  if postgres_given; then
    wait_until 10 given_postgres_ready ||
      die "postgres: POSTGRES_URL is set but that server does not answer ($(mask_url "$POSTGRES_URL"))"
    step postgres "reusing the server given by POSTGRES_URL"
    PG_URL="$POSTGRES_URL"
    return
  fi
  PG_URL="$OWN_POSTGRES_URL"
  prepare_pg_home
  if [[ -f "$PG_DATA/PG_VERSION" ]] && as_postgres "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; then
    pg_ready || wait_until "$READY_TIMEOUT" pg_ready || die "postgres: running but not ready; see $(show_path "$PG_LOG")"
    mark_own postgres "$PG_URL"
    step postgres "already running on 127.0.0.1:$PG_PORT"
    return
  fi
  refuse_foreign_port postgres "$PG_PORT" SWITCHBOARD_PG_PORT POSTGRES_URL
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    step postgres "initialising a new cluster in $(show_path "$PG_DATA")"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --no-locale >>"$PG_LOG" 2>&1 ||
      { log_tail "$PG_LOG"; die "postgres: initdb failed; see $(show_path "$PG_LOG")"; }
  fi
  # Loopback only, socket beside the data, room for the many pools tests
  # open. Durability settings are off: this is throwaway local data, and
  # fsync per commit would only slow every test down.
  local options="-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_HOME -c max_connections=300"
  options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if ! as_postgres "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_SERVER_LOG" -o "$options" -w -t "$READY_TIMEOUT" >/dev/null 2>&1 9>&- ||
    ! wait_until "$READY_TIMEOUT" pg_ready; then
    log_tail "$PG_LOG"
    die "postgres: failed to start or not ready within ${READY_TIMEOUT}s; see $(show_path "$PG_LOG")"
  fi
  mark_own postgres "$PG_URL"
  step postgres "started on 127.0.0.1:$PG_PORT (log: $(show_path "$PG_LOG"))"
}

given_postgres_ready() {
  local pg_isready
  pg_isready="$(command -v pg_isready || true)"
  [[ -n "$pg_isready" || -z "${PG_BIN:-}" ]] || pg_isready="$PG_BIN/pg_isready"
  if [[ -n "$pg_isready" ]]; then
    "$pg_isready" -q -d "$POSTGRES_URL"
  else
    tcp_open "$(url_host_port "$POSTGRES_URL" 5432)"
  fi
}

# ---- Redis -----------------------------------------------------------------

redis_ready() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

start_redis() {
  if redis_given; then
    wait_until 10 redis_url_ready "$REDIS_URL" ||
      die "redis: REDIS_URL is set but that server does not answer PING ($(mask_url "$REDIS_URL"))"
    step redis "reusing the server given by REDIS_URL"
    RD_URL="$REDIS_URL"
    return
  fi
  RD_URL="$OWN_REDIS_URL"
  mkdir -p "$REDIS_HOME"
  if live_pid "$REDIS_PID" >/dev/null && redis_ready; then
    mark_own redis "$RD_URL"
    step redis "already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  refuse_foreign_port redis "$REDIS_PORT" SWITCHBOARD_REDIS_PORT REDIS_URL
  # The recognition cache holds personal data and must never reach a disk or
  # a backup: no RDB snapshots (--save "") and no append-only file, always.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
    --save "" --appendonly no \
    --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_HOME" 9>&- ||
    die "redis: redis-server failed to start; see $(show_path "$REDIS_LOG")"
  wait_until "$READY_TIMEOUT" redis_ready || {
    log_tail "$REDIS_LOG"
    die "redis: did not answer PING within ${READY_TIMEOUT}s; see $(show_path "$REDIS_LOG")"
  }
  mark_own redis "$RD_URL"
  step redis "started on 127.0.0.1:$REDIS_PORT, never persisted (log: $(show_path "$REDIS_LOG"))"
}

redis_url_ready() {
  [[ "$(redis-cli -u "$1" ping 2>/dev/null)" == "PONG" ]]
}

# ---- NATS ------------------------------------------------------------------

# GET on the monitoring port without needing curl: /healthz answers 200
# once the server, JetStream included, is ready.
nats_ready() {
  http_ok 127.0.0.1 "$NATS_MONITOR_PORT" "/healthz"
}

http_ok() {
  local host="$1" port="$2" path="$3" status
  exec 3<>"/dev/tcp/$host/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" >&3
  IFS= read -r -t 2 status <&3 || status=""
  exec 3>&-
  [[ "$status" == *" 200 "* ]]
}

start_nats() {
  if nats_given; then
    wait_until 10 nats_greets "$(url_host_port "$NATS_URL" 4222)" ||
      die "nats: NATS_URL is set but no NATS server answers there ($(mask_url "$NATS_URL"))"
    step nats "reusing the server given by NATS_URL"
    NT_URL="$NATS_URL"
    return
  fi
  NT_URL="$OWN_NATS_URL"
  mkdir -p "$NATS_HOME/jetstream"
  if live_pid "$NATS_PID" >/dev/null && nats_ready; then
    mark_own nats "$NT_URL"
    step nats "already running on 127.0.0.1:$NATS_PORT (JetStream)"
    return
  fi
  refuse_foreign_port nats "$NATS_PORT" SWITCHBOARD_NATS_PORT NATS_URL
  refuse_foreign_port "nats monitor" "$NATS_MONITOR_PORT" SWITCHBOARD_NATS_MONITOR_PORT NATS_URL
  # setsid: the server outlives this script and the terminal it ran in. It
  # logs to stderr, so start-up errors land in the same file as the rest.
  setsid "$(find_nats_server)" -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR_PORT" \
    -js -sd "$NATS_HOME/jetstream" -P "$NATS_PID" \
    </dev/null >>"$NATS_LOG" 2>&1 9>&- &
  wait_until "$READY_TIMEOUT" nats_ready || {
    log_tail "$NATS_LOG"
    die "nats: not healthy within ${READY_TIMEOUT}s; see $(show_path "$NATS_LOG")"
  }
  mark_own nats "$NT_URL"
  step nats "started on 127.0.0.1:$NATS_PORT with JetStream (log: $(show_path "$NATS_LOG"))"
}

# A NATS server greets every new connection with an INFO line.
nats_greets() {
  local hostport="$1" greeting
  exec 4<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || return 1
  IFS= read -r -t 2 greeting <&4 || greeting=""
  exec 4>&-
  [[ "$greeting" == INFO* ]]
}

# ---- URLs --------------------------------------------------------------------

mask_url() {
  printf '%s' "$1" | sed -E 's#(//[^/:@]*):[^/@]*@#\1:***@#'
}

# "scheme://user:pass@host:port/db?x" -> "host:port" (default port if none).
url_host_port() {
  local rest="${1#*://}" default_port="$2"
  rest="${rest##*@}"
  rest="${rest%%[/?]*}"
  [[ "$rest" == *:* ]] || rest="$rest:$default_port"
  printf '%s' "$rest"
}

tcp_open() {
  local hostport="$1"
  (exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null
}

# ---- env file --------------------------------------------------------------

write_env_file() {
  local tmp="$ENV_FILE.tmp"
  (
    umask 077
    {
      echo "# Written by scripts/infra-up.sh: the servers of the local platform."
      echo "# Load into a shell with:  . $(show_path "$ENV_FILE")"
      printf 'export POSTGRES_URL=%q\n' "$PG_URL"
      printf 'export REDIS_URL=%q\n' "$RD_URL"
      printf 'export NATS_URL=%q\n' "$NT_URL"
    } >"$tmp"
  )
  mv "$tmp" "$ENV_FILE"
  step env "wrote $(show_path "$ENV_FILE")"
}

main() {
  ensure_run_dirs
  # Two concurrent runs (make up in one terminal, make test in another)
  # would race to start the same servers. The servers must not inherit this
  # descriptor (9>&- where they start), or they would hold the lock forever.
  exec 9>"$RUN_DIR/infra.lock"
  flock -w 120 9 || die "another infra-up.sh holds $(show_path "$RUN_DIR/infra.lock")"

  install_missing_packages
  PG_BIN="$(find_pg_bin || true)"
  if [[ -z "$PG_BIN" ]] && ! postgres_given; then
    die "postgres: no pg_ctl/initdb found (looked in PATH and /usr/lib/postgresql/*/bin)"
  fi
  start_postgres
  start_redis
  start_nats
  write_env_file
}

main "$@"
