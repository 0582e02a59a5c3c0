import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/chart",
    include: ["test/**/*.test.ts"],
    // helm renders and service start-ups, on a machine shared with the other suites.
    testTimeout: 60_000,
  },
});
