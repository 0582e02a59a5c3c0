import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/gateway",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
