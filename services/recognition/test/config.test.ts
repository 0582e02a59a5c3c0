import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@switchboard/config";
import { RecognitionConfig } from "../src/config.js";

const required = {
  DATABASE_URL: "postgres://recognition@127.0.0.1/recognition",
  REDIS_URL: "redis://127.0.0.1:6379",
  NATS_URL: "nats://127.0.0.1:4222",
  IDENTITY_ADDR: "dns:///identity:50051",
  KEY_ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig("recognition", RecognitionConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.variable}: ${p.problem}`);
    throw error;
  }
  return [];
}

describe("recognition configuration", () => {
  it("keeps a sync open for 24 h unless told otherwise", () => {
    expect(loadConfig("recognition", RecognitionConfig, required).SYNC_MAX_OPEN).toBe(24 * 3_600_000);
    expect(loadConfig("recognition", RecognitionConfig, { ...required, SYNC_MAX_OPEN: "6h" }).SYNC_MAX_OPEN).toBe(6 * 3_600_000);
  });

  it("refuses a SYNC_MAX_OPEN that would expire syncs still in progress, saying why", () => {
    for (const value of ["0s", "30m"]) {
      const problems = problemsOf({ ...required, SYNC_MAX_OPEN: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^SYNC_MAX_OPEN: .*at least 1h/);
    }
    expect(problemsOf({ ...required, SYNC_MAX_OPEN: "1h" })).toEqual([]);
  });
});
