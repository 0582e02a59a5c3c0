import { defineConfig } from "vitest/config";

// One vitest run over every workspace so `make test` ends with one summary.
// Integration tests share one PostgreSQL, Redis and NATS (started by
// scripts/infra-up.sh); each test file isolates itself (own database, own
// stream names, own Redis key prefix), so files run in parallel safely.
export default defineConfig({
  test: {
    // Timeouts are set in each project's own vitest.config.ts: a project file
    // does not inherit them from here.
    projects: ["libs/*", "services/*", "deploy/helm", "bench"],
  },
});
