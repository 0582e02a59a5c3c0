import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@switchboard/chart",
    include: ["test/**/*.test.ts"],
  },
});
