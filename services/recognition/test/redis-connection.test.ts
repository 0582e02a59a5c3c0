import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { Redis } from "ioredis";
import { BATCH_WHEN_WAITING, createLookupCache } from "../src/cache/lookup-cache.js";
import { openCacheRedis, writeTogetherThisTurn } from "../src/cache/redis-connection.js";

let redis: Redis;

beforeAll(async () => {
  redis = openCacheRedis(process.env.REDIS_URL!);
  await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
});
afterAll(() => redis?.disconnect());

/** Counts the socket writes the commands of `issue` cause (one write per call, or one writev for a corked batch). */
async function writesFor(issue: (writesSoFar: () => number) => Promise<unknown>[]): Promise<{ writes: number; replies: unknown[] }> {
  const socket = redis.stream as Socket & { _write: (...args: unknown[]) => void; _writev?: (...args: unknown[]) => void };
  let writes = 0;
  const plainWrite = socket._write;
  const plainWritev = socket._writev;
  socket._write = function (...args: unknown[]) {
    writes += 1;
    return plainWrite.apply(this, args);
  };
  socket._writev = function (...args: unknown[]) {
    writes += 1;
    return plainWritev!.apply(this, args);
  };
  try {
    const replies = await Promise.all(issue(() => writes));
    return { writes, replies };
  } finally {
    socket._write = plainWrite;
    socket._writev = plainWritev;
  }
}

describe("the cache connection", () => {
  it("sends the commands of one tick in one socket write, and answers each", async () => {
    await redis.set("rtest:together", "x", "PX", 10_000);
    const together = writeTogetherThisTurn(redis);
    const batched = await writesFor(() => Array.from({ length: 10 }, () => (together(), redis.get("rtest:together"))));
    expect(batched).toEqual({ writes: 1, replies: Array(10).fill("x") });
    const apart = await writesFor(() => Array.from({ length: 10 }, () => redis.get("rtest:together")));
    expect(apart.writes).toBe(10);
  });

  it("keeps commands of later callbacks in the same turn of the event loop in that one write", async () => {
    // As grpc-js runs each request of one socket read: a callback of its own, the tick queue drained in between.
    const together = writeTogetherThisTurn(redis);
    const getAfterTicks = (ticks: number) =>
      new Promise((resolve, reject) => {
        const step = (left: number) => (left === 0 ? (together(), redis.get("rtest:together").then(resolve, reject)) : process.nextTick(() => step(left - 1)));
        step(ticks);
      });
    const spread = await writesFor(() => [0, 1, 2, 3].map(getAfterTicks));
    expect(spread).toEqual({ writes: 1, replies: Array(4).fill("x") });
  });

  it("sends a lone lookup's GET at once, and batches GETs issued while several others wait", async () => {
    const cache = createLookupCache({ redis, prefix: `rtest:${randomUUID()}:`, ttlMs: 10_000, negativeTtlMs: 10_000 });
    const tenantId = randomUUID();
    const index = randomBytes(32);
    const lone = await writesFor((writesSoFar) => {
      const read = cache.read(tenantId, index, 1_000);
      expect(writesSoFar()).toBe(1);
      return [read];
    });
    expect(lone).toEqual({ writes: 1, replies: [{ kind: "miss" }] });
    const burst = await writesFor((writesSoFar) => {
      const reads = Array.from({ length: 10 }, () => cache.read(tenantId, index, 1_000));
      // The first BATCH_WHEN_WAITING left at once, one write each; the six that came while that many waited are held for one write.
      expect(writesSoFar()).toBe(BATCH_WHEN_WAITING);
      return reads;
    });
    expect(burst).toEqual({ writes: BATCH_WHEN_WAITING + 1, replies: Array(10).fill({ kind: "miss" }) });
  });

  it("leaves a connection that is not ready alone", async () => {
    const down = openCacheRedis("redis://127.0.0.1:1", { lazyConnect: true, retryStrategy: () => null });
    expect(() => writeTogetherThisTurn(down)()).not.toThrow();
    await expect(down.get("x")).rejects.toThrow();
    down.disconnect();
  });
});
