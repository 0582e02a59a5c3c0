import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/identity",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
