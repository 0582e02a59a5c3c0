import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/debug-sessions",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
