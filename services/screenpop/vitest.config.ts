import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/screenpop",
    // Not inherited from the root config (a project file stands alone): integration tests on a shared machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
