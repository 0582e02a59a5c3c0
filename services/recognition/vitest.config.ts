import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/recognition",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
