# shellcheck shell=bash
# Debian packages the local platform needs. Installed with apt-get when
# missing and running as root (CI on a fresh machine); otherwise the script
# stops and prints the exact command to run.

# ensure_packages <package>...   (only the missing ones are passed in)
ensure_packages() {
  (($# > 0)) || return 0
  if [[ "$(id -u)" -ne 0 ]]; then
    die "missing Debian packages: $*
  install them, then run this again:
    sudo apt-get update && sudo apt-get install -y $*"
  fi
  command -v apt-get >/dev/null || die "missing packages ($*) and no apt-get: install them with your package manager"
  step packages "installing $* with apt-get (running as root)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
