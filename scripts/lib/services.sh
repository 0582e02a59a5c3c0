# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts sourcing this
# The one table of service ports for local runs, and how to find the
# services that exist. Kubernetes uses its own Services; this is for `make up`.

# name -> port. The gateway is the public edge (Connect/gRPC-web over HTTP);
# every other service serves gRPC with grpc.health.v1.
declare -A SERVICE_PORTS=(
  [gateway]=8080
  [identity]=50051
  [recognition]=50052
  [telephony-gateway]=50053
  [screenpop]=50054
  [audit-log]=50055
  [privacy-requests]=50056
  [support]=50057
)

# Start order: the services others call first, the gateway last.
SERVICE_ORDER=(identity recognition telephony-gateway screenpop audit-log privacy-requests support gateway)

GATEWAY_URL="http://127.0.0.1:${SERVICE_PORTS[gateway]}"

# Every service learns every other service's address the same way:
# IDENTITY_ADDR=dns:///127.0.0.1:50051, TELEPHONY_GATEWAY_ADDR=dns:///127.0.0.1:50053 ...
upstream_env() {
  local name
  for name in "${SERVICE_ORDER[@]}"; do
    [[ "$name" == gateway ]] && continue
    printf '%s_ADDR=dns:///127.0.0.1:%s\n' "$(env_name "$name")" "${SERVICE_PORTS[$name]}"
  done
}

# "telephony-gateway" -> "TELEPHONY_GATEWAY"
env_name() {
  local name="${1^^}"
  printf '%s' "${name//-/_}"
}

# The value of an npm script in a package.json, empty when absent.
package_script() {
  local package_json="$1" script="$2"
  node -e 'const p = require(process.argv[1]); process.stdout.write((p.scripts && p.scripts[process.argv[2]]) || "")' \
    "$package_json" "$script"
}

# Names of the services under services/ that have a package.json, in start
# order; a service missing from the table is an error worth fixing at once.
existing_services() {
  local dir name known
  for dir in "$REPO_ROOT"/services/*/; do
    [[ -f "$dir/package.json" ]] || continue
    name="$(basename "$dir")"
    [[ -n "${SERVICE_PORTS[$name]:-}" ]] ||
      die "services/$name has no port in scripts/lib/services.sh: add it to SERVICE_PORTS and SERVICE_ORDER"
  done
  for known in "${SERVICE_ORDER[@]}"; do
    [[ -f "$REPO_ROOT/services/$known/package.json" ]] && printf '%s\n' "$known"
  done
  return 0
}
