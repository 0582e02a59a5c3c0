import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/events",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
