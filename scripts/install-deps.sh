#!/usr/bin/env bash
# Installs the npm dependencies from the lock file when they are missing or
# older than package-lock.json; otherwise does nothing. Checks Node first.
set -euo pipefail

# shellcheck source=lib/run-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/run-dir.sh"

check_node() {
  command -v node >/dev/null || die "Node.js 20 is required: install it (https://nodejs.org or your package manager), then run this again"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  ((major >= 20)) || die "Node.js 20 or newer is required; this machine has $(node --version)"
}

main() {
  check_node
  cd "$REPO_ROOT"
  local stamp="node_modules/.package-lock.json"
  if [[ -f "$stamp" && ! "package-lock.json" -nt "$stamp" ]]; then
    step deps "npm dependencies up to date"
    return
  fi
  step deps "npm ci (from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
}

main "$@"
