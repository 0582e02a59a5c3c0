# Switchboard: the one entry point. Each target is one script in scripts/,
# so this file stays a table of contents. `make` alone lists the targets.

SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help up down test bench proto lint fmt infra infra-down deps build clean tools kind-up kind-down

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-z-]+:.*## / { printf "  make %-11s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

up: deps build ## install, build, start PostgreSQL/Redis/NATS, migrate, seed the demo, start every service
	@bash scripts/up.sh

down: ## stop the services and the local PostgreSQL/Redis/NATS
	@bash scripts/down.sh

test: ## lint (buf + type-check) and run every test suite; ends with "tests: N passed, M failed"
	@bash scripts/test.sh

bench: ## run the benchmarks (bench/RESULTS.md)
	@bash scripts/bench.sh $(ARGS)

proto: ## generate TypeScript from proto/ and lint the protos
	@bash scripts/proto.sh

lint: ## buf lint, buf breaking against the previous commit, TypeScript type-check
	@bash scripts/lint.sh

fmt: ## format protos (and TypeScript when prettier is installed)
	@bash scripts/fmt.sh

infra: ## start only PostgreSQL, Redis and NATS (writes .run/env)
	@bash scripts/infra-up.sh

infra-down: ## stop only PostgreSQL, Redis and NATS
	@bash scripts/infra-down.sh

deps: ## install npm dependencies when missing or stale
	@bash scripts/install-deps.sh

build: deps ## generate protobuf code and build every package
	@bash scripts/build.sh

clean: ## stop everything, remove .run/ (databases included) and build output
	@bash scripts/clean.sh

tools: ## install the pinned helm and kind into .tools/bin (go install) when missing
	@bash scripts/install-tools.sh

kind-up: tools ## local Kubernetes (Docker + kind): build the images, install the chart, print how to reach it
	@bash scripts/kind-up.sh

kind-down: tools ## delete the local kind cluster
	@bash scripts/kind-down.sh
