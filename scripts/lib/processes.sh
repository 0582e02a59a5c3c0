# shellcheck shell=bash
# Pid files, liveness and readiness: how the scripts tell "already running"
# from "stale pid file" and wait for a server with a deadline.

# Prints the pid stored in a pid file when that process is alive.
live_pid() {
  local pid_file="$1" pid
  [[ -s "$pid_file" ]] || return 1
  pid="$(head -n 1 "$pid_file" | tr -dc '0-9')"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_in_use() {
  local port="$1"
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Runs a readiness check until it succeeds or the deadline passes.
#   wait_until <seconds> <command...>
wait_until() {
  local seconds="$1"
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Sends SIGTERM, waits up to <grace> seconds, then SIGKILL. Idempotent.
#   stop_pid <pid> <grace-seconds>
stop_pid() {
  local pid="$1" grace="$2"
  kill -TERM "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      return 0
    fi
    sleep 0.1
  done
}

# Last lines of a log, indented, for error messages.
log_tail() {
  local log="$1"
  [[ -f "$log" ]] || return 0
  tail -n 15 "$log" | sed 's/^/    | /' >&2
}
