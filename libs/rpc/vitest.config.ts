import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/rpc",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
