import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/gateway",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The end-to-end tests run several built services on a shared machine:
    // their polls wait up to 15 s, so the test must be allowed longer.
    testTimeout: 30_000,
  },
});
