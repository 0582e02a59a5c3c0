# shellcheck shell=bash
# Where everything lives: the repository, the project-local state folder
# (.run/, git-ignored) and the small output conventions every script shares.
# Sourced by the scripts in scripts/; not meant to be run.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="${SWITCHBOARD_RUN_DIR:-$REPO_ROOT/.run}"
LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
ENV_FILE="$RUN_DIR/env"
export REPO_ROOT RUN_DIR LOG_DIR PID_DIR ENV_FILE

# One progress line per step: "<area>: <what happened>".
step() {
  printf '%-9s %s\n' "$1:" "$2"
}

# An error the user can act on, then exit 1.
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The path as the user would type it from the repository root.
show_path() {
  local path="$1"
  printf '%s' "${path#"$REPO_ROOT"/}"
}

ensure_run_dirs() {
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$PID_DIR"
}
