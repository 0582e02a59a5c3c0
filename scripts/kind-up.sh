#!/usr/bin/env bash
# `make kind-up`: Switchboard on a local kind cluster (needs Docker and kubectl).
#   1. the cluster from deploy/kind/cluster.yaml (kept when it exists)
#   2. one image per service (Dockerfile), loaded into the nodes with `kind load`
#   3. the Secrets the chart references, with random values (kept across runs)
#   4. the chart with values-kind.yaml: in-cluster PostgreSQL, Redis, NATS
#   5. wait for the rollout, seed the demo tenant, print how to reach the gateway
# Idempotent: run it again after a change to rebuild, reload and upgrade.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"
# shellcheck source=lib/tools.sh
source "$REPO_ROOT/scripts/lib/tools.sh"
# shellcheck source=lib/services.sh
source "$REPO_ROOT/scripts/lib/services.sh"

CLUSTER="${SWITCHBOARD_KIND_CLUSTER:-switchboard}"
NAMESPACE="${SWITCHBOARD_NAMESPACE:-switchboard}"
RELEASE=switchboard
CHART="$REPO_ROOT/deploy/helm/switchboard"
KIND="$TOOLS_BIN/kind"
HELM="$TOOLS_BIN/helm"
CONTEXT="kind-$CLUSTER"
DEMO_FILE="$RUN_DIR/kind-demo.json"

kubectl_() { kubectl --context "$CONTEXT" --namespace "$NAMESPACE" "$@"; }

check_prerequisites() {
  command -v docker >/dev/null || die "Docker is required: https://docs.docker.com/engine/install/"
  docker info >/dev/null 2>&1 || die "Docker is installed but not running (docker info failed): start it, then run this again"
  command -v kubectl >/dev/null || die "kubectl is required: https://kubernetes.io/docs/tasks/tools/"
  [[ -x "$KIND" && -x "$HELM" ]] || die "helm/kind missing in $(show_path "$TOOLS_BIN"): run \`make tools\`"
}

create_cluster() {
  if "$KIND" get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    step kind "cluster $CLUSTER exists"
  else
    step kind "creating cluster $CLUSTER (1 control plane, 2 workers)"
    "$KIND" create cluster --name "$CLUSTER" --config "$REPO_ROOT/deploy/kind/cluster.yaml" --wait 180s
  fi
  kubectl --context "$CONTEXT" create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl --context "$CONTEXT" apply -f - >/dev/null
}

build_images() {
  local name
  for name in $(existing_services); do
    step image "switchboard/$name:dev"
    docker build --quiet --build-arg SERVICE="$name" -t "switchboard/$name:dev" "$REPO_ROOT" >/dev/null
    "$KIND" load docker-image "switchboard/$name:dev" --name "$CLUSTER" >/dev/null
  done
}

random_hex() { node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("hex"))'; }
random_key() { node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64"))'; }

# create_secret <name> <KEY>... : random values, only when the Secret is missing,
# so data written under an earlier key stays readable.
create_secret() {
  local name="$1" key file
  shift
  if kubectl_ get secret "$name" >/dev/null 2>&1; then
    return 0
  fi
  file="$(mktemp)"
  chmod 600 "$file"
  for key in "$@"; do
    case "$key" in
      KEY_ENCRYPTION_KEY | CHECKPOINT_SIGNING_KEY) printf '%s=%s\n' "$key" "$(random_key)" ;;
      *) printf '%s=%s\n' "$key" "$(random_hex)" ;;
    esac
  done >"$file"
  kubectl_ create secret generic "$name" --from-env-file="$file" >/dev/null
  rm -f "$file"
  step secrets "created $name ($*)"
}

create_secrets() {
  local name
  create_secret switchboard-postgres POSTGRES_PASSWORD
  for name in $(existing_services); do
    [[ "$name" == gateway ]] && continue
    case "$name" in
      # audit-log runs as its own narrower role and signs its checkpoints.
      audit-log) create_secret "switchboard-$name" DATABASE_PASSWORD RUNTIME_DATABASE_PASSWORD CHECKPOINT_SIGNING_KEY ;;
      *) create_secret "switchboard-$name" DATABASE_PASSWORD KEY_ENCRYPTION_KEY ;;
    esac
  done
}

install_chart() {
  step helm "upgrade --install $RELEASE (values-kind.yaml; migrations run as a hook)"
  # No --wait: with the in-cluster PostgreSQL the first install migrates post-install,
  # and --wait would wait for pods that need those migrations.
  "$HELM" upgrade --install "$RELEASE" "$CHART" --kube-context "$CONTEXT" --namespace "$NAMESPACE" \
    -f "$CHART/values-kind.yaml" --timeout 10m
  step rollout "waiting for every Deployment"
  kubectl_ rollout status deployment --selector "app.kubernetes.io/instance=$RELEASE" --timeout 5m
}

# The demo tenant of `make up`, created inside the cluster by identity's seed-demo
# script, from a sign-in file kept in .run/ (mode 0600).
seed_demo() {
  ensure_run_dirs
  if [[ ! -s "$DEMO_FILE" ]]; then
    (umask 077 && node "$REPO_ROOT/deploy/kind/demo-accounts.mjs" >"$DEMO_FILE")
  fi
  kubectl_ exec -i "deployment/$RELEASE-identity" -- env DEMO_FILE=/dev/stdin DEMO_REGION=NL node /app/run-script.mjs seed-demo <"$DEMO_FILE"
  step demo "accounts in identity; sign-in details in $(show_path "$DEMO_FILE")"
}

main() {
  check_prerequisites
  create_cluster
  build_images
  create_secrets
  install_chart
  seed_demo
  echo
  echo "Switchboard runs on kind cluster \"$CLUSTER\", namespace \"$NAMESPACE\"."
  echo "  gateway:   http://127.0.0.1:${SERVICE_PORTS[gateway]} (Connect JSON, gRPC-web); curl -s http://127.0.0.1:${SERVICE_PORTS[gateway]}/healthz"
  echo "  sign in:   organisation, users and passwords in $(show_path "$DEMO_FILE")"
  echo "  look:      kubectl --context $CONTEXT -n $NAMESPACE get pods"
  echo "  remove:    make kind-down"
}

main "$@"
