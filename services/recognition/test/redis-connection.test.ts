import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "node:net";
import type { Redis } from "ioredis";
import { openCacheRedis, writeTogetherThisTick } from "../src/cache/redis-connection.js";

let redis: Redis;

beforeAll(async () => {
  redis = openCacheRedis(process.env.REDIS_URL!);
  await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
});
afterAll(() => redis?.disconnect());

/** Counts the socket writes the commands of `issue` cause (one write per call, or one writev for a corked batch). */
async function writesFor(issue: () => Promise<unknown>[]): Promise<{ writes: number; replies: unknown[] }> {
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
    const replies = await Promise.all(issue());
    return { writes, replies };
  } finally {
    socket._write = plainWrite;
    socket._writev = plainWritev;
  }
}

describe("the cache connection", () => {
  it("sends the commands of one tick in one socket write, and answers each", async () => {
    await redis.set("rtest:together", "x", "PX", 10_000);
    const together = writeTogetherThisTick(redis);
    const batched = await writesFor(() => Array.from({ length: 10 }, () => (together(), redis.get("rtest:together"))));
    expect(batched).toEqual({ writes: 1, replies: Array(10).fill("x") });
    const apart = await writesFor(() => Array.from({ length: 10 }, () => redis.get("rtest:together")));
    expect(apart.writes).toBe(10);
  });

  it("leaves a connection that is not ready alone", async () => {
    const down = openCacheRedis("redis://127.0.0.1:1", { lazyConnect: true, retryStrategy: () => null });
    expect(() => writeTogetherThisTick(down)()).not.toThrow();
    await expect(down.get("x")).rejects.toThrow();
    down.disconnect();
  });
});
