import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/bench",
    // The figures themselves run under `make bench`; these test the bench's own arithmetic and readers.
    testTimeout: 30_000,
    include: ["src/**/*.test.ts"],
  },
});
