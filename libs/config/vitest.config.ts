import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/config",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
