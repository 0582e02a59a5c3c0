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

const load = (env: Record<string, string>) => loadConfig("recognition", RecognitionConfig, { ...required, ...env });

describe("recognition configuration", () => {
  it("keeps a sync open for 24 h unless told otherwise", () => {
    expect(load({}).SYNC_MAX_OPEN).toBe(24 * 3_600_000);
    expect(load({ SYNC_MAX_OPEN: "6h" }).SYNC_MAX_OPEN).toBe(6 * 3_600_000);
  });

  it("refuses a SYNC_MAX_OPEN that would expire syncs still in progress, saying why", () => {
    for (const value of ["0s", "30m"]) {
      expect(() => load({ SYNC_MAX_OPEN: value })).toThrow(ConfigError);
      expect(() => load({ SYNC_MAX_OPEN: value })).toThrow(/\(1 problem\)[\s\S]*\n {2}SYNC_MAX_OPEN: .*at least 1h/);
    }
    expect(load({ SYNC_MAX_OPEN: "1h" }).SYNC_MAX_OPEN).toBe(3_600_000);
  });
});
