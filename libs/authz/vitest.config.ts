import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/authz",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
