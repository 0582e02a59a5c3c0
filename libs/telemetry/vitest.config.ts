import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/telemetry",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
