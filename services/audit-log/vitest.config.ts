import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/audit-log",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
