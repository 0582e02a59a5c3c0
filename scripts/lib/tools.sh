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

# Linker flags as the tool's own release build sets them. helm's Makefile stamps its
# version and the Kubernetes version of its client libraries (k8s.io/client-go v0.37
# -> 1.37); without them `go install` builds a helm that reports "v3.22" and renders
# charts for Kubernetes 1.20, refusing any chart with a newer kubeVersion.
declare -A TOOL_LDFLAGS=(
  [helm]="-X helm.sh/helm/v3/internal/version.version=v3.22.0 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37"
  [kind]=""
)
