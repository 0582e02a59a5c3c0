import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/support",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
