# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts sourcing this
# The pinned Kubernetes tools and where they live. scripts/install-tools.sh
# installs them; the chart tests and the kind scripts run them from TOOLS_BIN.
# Bump a version here and every user gets it on their next `make test`.

TOOLS_BIN="$REPO_ROOT/.tools/bin"

declare -A TOOL_PACKAGES=(
  [helm]=helm.sh/helm/v3/cmd/helm
  [kind]=sigs.k8s.io/kind
)

declare -A TOOL_VERSIONS=(
  [helm]=v3.22.0
  [kind]=v0.33.0
)
