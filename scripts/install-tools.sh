#!/usr/bin/env bash
# Installs the pinned Kubernetes tools into .tools/bin (git-ignored) with
# `go install`, only when missing or at another version; otherwise does
# nothing, so `make test` can call it on every run.
#   bash scripts/install-tools.sh            # helm and kind
#   bash scripts/install-tools.sh helm       # only helm (what `make test` needs)
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"
# shellcheck source=lib/tools.sh
source "$REPO_ROOT/scripts/lib/tools.sh"

# What a Go binary was built from: "<module version> <linker flags>", empty
# when the file is missing or was not built by `go install`.
build_signature() {
  local binary="$1"
  [[ -x "$binary" ]] || return 0
  go version -m "$binary" 2>/dev/null | awk '
    $1 == "mod" { version = $3 }
    $1 == "build" && $2 ~ /^-ldflags=/ { flags = substr($0, index($0, "-ldflags=") + 9); gsub(/^"|"$/, "", flags) }
    END { if (version != "") print version " " flags }'
}

install_tool() {
  local name="$1" package="${TOOL_PACKAGES[$1]:-}" version="${TOOL_VERSIONS[$1]:-}"
  [[ -n "$package" ]] || die "unknown tool \"$name\": expected one of ${!TOOL_PACKAGES[*]}"
  local binary="$TOOLS_BIN/$name" ldflags="${TOOL_LDFLAGS[$1]:-}"
  if [[ "$(build_signature "$binary")" == "$version $ldflags" ]]; then
    step tools "$name $version present ($(show_path "$binary"))"
    return 0
  fi
  command -v go >/dev/null ||
    die "$name $version is missing and Go is not installed: install Go 1.24 or newer (https://go.dev/dl/), then run this again"
  step tools "go install $package@$version (first run takes a few minutes)"
  mkdir -p "$TOOLS_BIN"
  # A static binary, independent of the machine's C library.
  GOBIN="$TOOLS_BIN" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -ldflags="$ldflags" "$package@$version"
  [[ "$(build_signature "$binary")" == "$version $ldflags" ]] || die "$name: go install finished but $(show_path "$binary") is not $version"
}

main() {
  local tools=("$@")
  ((${#tools[@]} > 0)) || tools=(helm kind)
  local tool
  for tool in "${tools[@]}"; do
    install_tool "$tool"
  done
}

main "$@"
