import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/telephony-gateway",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
