import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { persistenceProblem } from "../src/cache/redis-persistence.js";
import { startPrivateRedis } from "./support/private-redis.js";
import { Redis } from "ioredis";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

/** Starts the service's real entry point against `redisUrl` and returns how it ended. */
function startService(redisUrl: string, extra: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: packageRoot,
    env: {
      ...process.env,
      PORT: "1",
      HOST: "127.0.0.1",
      // Stores that do not answer: the service never reaches anyone else's
      // streams or databases; a refused start ends before them, an allowed one
      // fails on NATS, the next step after the check.
      DATABASE_URL: "postgres://127.0.0.1:1/unused",
      NATS_URL: "nats://127.0.0.1:1",
      REDIS_URL: redisUrl,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      IDENTITY_ADDR: "dns:///127.0.0.1:1",
      ...extra,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      resolve({ code: null, stderr });
    }, 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("a cache Redis that persists", () => {
  it("is reported with what is wrong, and a clean one is not", async () => {
    const persisting = await startPrivateRedis({ save: "3600 1" });
    const clean = await startPrivateRedis();
    stops.push(persisting.stop, clean.stop);
    const check = async (url: string) => {
      const redis = new Redis(url);
      try {
        return await persistenceProblem(redis);
      } finally {
        redis.disconnect();
      }
    };
    expect(await check(persisting.url)).toBe('the recognition cache\'s Redis persists data: save is "3600 1" (must be "")');
    expect(await check(clean.url)).toBeUndefined();
  });

  it("stops the service at start-up with a message saying how to fix it", async () => {
    const persisting = await startPrivateRedis({ save: "3600 1" });
    stops.push(persisting.stop);
    const { code, stderr } = await startService(persisting.url);
    expect(code).toBe(1);
    expect(stderr).toContain('save is "3600 1"');
    expect(stderr).toContain("REDIS_PERSISTENCE=warn");
    expect(stderr).not.toContain("cannot connect to NATS");
  });

  it("goes on past the check when REDIS_PERSISTENCE=warn", async () => {
    const persisting = await startPrivateRedis({ save: "3600 1" });
    stops.push(persisting.stop);
    const { code, stderr } = await startService(persisting.url, { REDIS_PERSISTENCE: "warn" });
    expect(stderr).not.toContain("REDIS_PERSISTENCE=warn");
    expect(stderr).toContain("cannot connect to NATS at nats://127.0.0.1:1");
    expect(code).toBe(1);
  });
});
