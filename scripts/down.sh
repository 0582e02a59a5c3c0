#!/usr/bin/env bash
# `make down`: stops the services started by `make up`, then the local
# PostgreSQL, Redis and NATS (never servers given by environment variables).
set -euo pipefail

dir="$(dirname "${BASH_SOURCE[0]}")"
bash "$dir/stop-services.sh"
bash "$dir/infra-down.sh"
