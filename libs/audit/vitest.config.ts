import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/audit",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
