# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts sourcing this
# The three servers of the local platform: where their state, logs and pid
# files live, and which ports they use. Shared by infra-up.sh and
# infra-down.sh so both agree on what "ours" means.

PG_PORT="${SWITCHBOARD_PG_PORT:-15432}"
REDIS_PORT="${SWITCHBOARD_REDIS_PORT:-16379}"
NATS_PORT="${SWITCHBOARD_NATS_PORT:-14222}"
NATS_MONITOR_PORT="${SWITCHBOARD_NATS_MONITOR_PORT:-18222}"

# PostgreSQL state: data directory, unix socket and pid (postmaster.pid) all
# under one folder, which must belong to the user PostgreSQL runs as.
PG_HOME="$RUN_DIR/postgres"
PG_DATA="$PG_HOME/data"
PG_LOG="$LOG_DIR/postgres.log"
REDIS_HOME="$RUN_DIR/redis"
REDIS_PID="$REDIS_HOME/redis.pid"
REDIS_LOG="$LOG_DIR/redis.log"
NATS_HOME="$RUN_DIR/nats"
NATS_PID="$NATS_HOME/nats.pid"
NATS_LOG="$LOG_DIR/nats.log"

OWN_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
OWN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
OWN_NATS_URL="nats://127.0.0.1:$NATS_PORT"

# PostgreSQL refuses to run as root; as root it runs as the `postgres`
# system user (created by the Debian package), otherwise as the caller.
as_postgres() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The directory holding pg_ctl, initdb and pg_isready: PATH first, then the
# newest /usr/lib/postgresql/<version>/bin (Debian does not put them on PATH).
find_pg_bin() {
  local pg_ctl candidate
  if pg_ctl="$(command -v pg_ctl)" && [[ -x "$(dirname "$(readlink -f "$pg_ctl")")/initdb" ]]; then
    dirname "$(readlink -f "$pg_ctl")"
    return 0
  fi
  candidate="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$candidate" && -x "$candidate/pg_ctl" && -x "$candidate/initdb" ]] || return 1
  printf '%s' "$candidate"
}

# nats-server lands in /usr/sbin, which is not on a regular user's PATH on Debian.
find_nats_server() {
  command -v nats-server && return 0
  [[ -x /usr/sbin/nats-server ]] || return 1
  printf '%s' /usr/sbin/nats-server
}
