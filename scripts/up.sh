#!/usr/bin/env bash
# `make up`, after dependencies and the build: starts the local platform.
#   1. PostgreSQL, Redis, NATS (infra-up.sh), URLs in <run>/env
#   2. for each service with a `migrate` script: its own database, migrated
#   3. every service with a `start` script, in the background, logs in
#      <run>/logs/<service>.log, pid in <run>/pids/<service>.pid, ports from
#      lib/services.sh; waits until each reports healthy
#   4. the demo organisation, sign-in details in <run>/demo.json
# Idempotent: a second run restarts the services cleanly.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"
# shellcheck source=lib/processes.sh
source "$REPO_ROOT/scripts/lib/processes.sh"
# shellcheck source=lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

HEALTH_TIMEOUT="${SWITCHBOARD_HEALTH_TIMEOUT:-60}"
declare -A DATABASE_URLS=()
STARTED=()

migrate_service() {
  local name="$1" dir="$REPO_ROOT/services/$1" log="$LOG_DIR/$1-migrate.log" script target url
  script="$(package_script "$dir/package.json" migrate)"
  [[ -n "$script" ]] || return 0
  target="$(start_target "$script")"
  if [[ -n "$target" && ! -f "$dir/$target" ]]; then
    step "$name" "migrations not built yet ($target missing): skipped"
    return 0
  fi
  # Line 1: the owner's URL (migrations); line 2, for a service with a
  # narrower runtime role (package.json "switchboard": {"runtimeRole": true}),
  # the URL the service runs with.
  local urls=()
  mapfile -t urls < <(node "$REPO_ROOT/scripts/ensure-database.mjs" "$name") || die "$name: could not prepare its database"
  ((${#urls[@]} > 0)) || die "$name: could not prepare its database"
  url="${urls[0]}"
  DATABASE_URLS[$name]="${urls[1]:-$url}"
  if ! (cd "$dir" && DATABASE_URL="$url" npm run --silent migrate) >"$log" 2>&1; then
    log_tail "$log"
    die "$name: migrations failed; see $(show_path "$log")"
  fi
  step "$name" "database migrated"
}

# The file a `node …` script runs, so a service that is declared but not
# built yet is skipped instead of crash-looping.
start_target() {
  local script="$1" word
  for word in $script; do
    case "$word" in *.js | *.mjs | *.cjs) printf '%s' "$word" && return 0 ;; esac
  done
  return 0
}

service_env() {
  local name="$1"
  # No POSTGRES_URL: that is the superuser; a service gets only its own
  # database (DATABASE_URL, its own non-superuser role).
  printf '%s\n' "PORT=${SERVICE_PORTS[$name]}" "LOG_LEVEL=${LOG_LEVEL:-info}" \
    "REDIS_URL=$REDIS_URL" "NATS_URL=$NATS_URL"
  [[ -z "${DATABASE_URLS[$name]:-}" ]] || printf 'DATABASE_URL=%s\n' "${DATABASE_URLS[$name]}"
  upstream_env
}

start_service() {
  local name="$1" dir="$REPO_ROOT/services/$1" script target log="$LOG_DIR/$1.log" pid
  script="$(package_script "$dir/package.json" start)"
  [[ -n "$script" ]] || return 0
  target="$(start_target "$script")"
  if [[ -n "$target" && ! -f "$dir/$target" ]]; then
    step "$name" "not built yet ($target missing): skipped"
    return 0
  fi
  local environment=()
  mapfile -t environment < <(service_env "$name")
  # One log per run, the previous one kept beside it.
  [[ ! -f "$log" ]] || mv -f "$log" "$log.1"
  printf '=== %s: starting %s\n' "$(date -u +%FT%TZ)" "$script" >"$log"
  # exec all the way down, so the pid recorded is the service's own process;
  # setsid detaches it from this script and the terminal.
  (
    cd "$dir"
    exec env -u POSTGRES_URL PATH="$REPO_ROOT/node_modules/.bin:$PATH" "${environment[@]}" setsid bash -c "exec $script"
  ) </dev/null >>"$log" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_DIR/$name.pid"
  local kind=grpc target_address="127.0.0.1:${SERVICE_PORTS[$name]}"
  if [[ "$name" == gateway ]]; then
    kind=http
    target_address="$GATEWAY_URL/healthz"
  fi
  if ! node "$REPO_ROOT/scripts/wait-healthy.mjs" "$kind" "$target_address" "$pid" "$HEALTH_TIMEOUT"; then
    log_tail "$log"
    die "$name: did not become healthy; see $(show_path "$log")"
  fi
  STARTED+=("$name")
  step "$name" "healthy on 127.0.0.1:${SERVICE_PORTS[$name]} (log: $(show_path "$log"))"
}

# The key-encryption key that wraps every tenant key and signing key. Locally
# one random key per machine, kept in the run dir (0600) so data encrypted by
# an earlier run stays readable; in Kubernetes it comes from a Secret (or KMS).
load_key_encryption_key() {
  local file="$RUN_DIR/key-encryption-key"
  if [[ ! -s "$file" ]]; then
    (umask 077 && node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64"))' >"$file")
    step secrets "generated a local key-encryption key ($(show_path "$file"))"
  fi
  KEY_ENCRYPTION_KEY="$(cat "$file")"
  export KEY_ENCRYPTION_KEY
}

# The Ed25519 seed that signs the audit trail's checkpoints. Locally one per
# machine in the run dir (0600), so checkpoints of earlier runs still verify;
# in Kubernetes it comes from a Secret.
load_checkpoint_signing_key() {
  local file="$RUN_DIR/audit-checkpoint-key"
  if [[ ! -s "$file" ]]; then
    (umask 077 && node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64"))' >"$file")
    step secrets "generated a local audit checkpoint signing key ($(show_path "$file"))"
  fi
  CHECKPOINT_SIGNING_KEY="$(cat "$file")"
  export CHECKPOINT_SIGNING_KEY
}

print_summary() {
  echo
  if [[ " ${STARTED[*]} " == *" gateway "* ]]; then
    echo "Switchboard is up. Point a client at $GATEWAY_URL (Connect JSON, gRPC-web)."
  elif ((${#STARTED[@]} > 0)); then
    echo "Services are up (${STARTED[*]}), but no gateway yet: $GATEWAY_URL is not serving."
  else
    echo "Infrastructure is up; no service is built yet, so nothing serves $GATEWAY_URL."
  fi
  echo "  sign-in details:  $(show_path "$RUN_DIR/demo.json")"
  echo "  server URLs:      . $(show_path "$ENV_FILE")"
  echo "  logs:             $(show_path "$LOG_DIR")/"
  echo "  stop everything:  make down"
}

main() {
  ensure_run_dirs
  bash "$REPO_ROOT/scripts/infra-up.sh"
  # shellcheck source=/dev/null
  source "$ENV_FILE"
  bash "$REPO_ROOT/scripts/stop-services.sh"
  load_key_encryption_key
  load_checkpoint_signing_key

  local services=() listed name
  listed="$(existing_services)"
  [[ -z "$listed" ]] || mapfile -t services <<<"$listed"
  for name in "${services[@]}"; do migrate_service "$name"; done
  for name in "${services[@]}"; do start_service "$name"; done

  node "$REPO_ROOT/scripts/seed-demo.mjs" "$RUN_DIR" "$GATEWAY_URL"
  print_summary
}

main "$@"
