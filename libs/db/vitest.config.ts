import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/db",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
