import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTenant, startHarness, syncOnce, type Harness, type Seeded } from "./support/harness.js";
import { startPrivateRedis } from "./support/private-redis.js";

// This file's own redis-server: it is paused and killed mid-test, which the
// shared Redis of the other sessions must never be.
let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let h: Harness;
let seeded: Seeded;
const numbers = ["+31356990240", "+31356990241", "+31356990242"];

beforeAll(async () => {
  redis = await startPrivateRedis();
  h = await startHarness({ name: "recognition_outage", redisUrl: redis.url, cacheTimeoutMs: 50, lookupDeadlineMs: 500 });
  seeded = await seedTenant(h);
  await syncOnce(h, seeded, { full: true, upserts: numbers.map((n, i) => ({ externalId: String(i), phoneNumbers: [n], fields: { name: `Caller ${i}` } })) });
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

const lookup = (number: string) => h.lookup.lookup({ number }, seeded.agent);

describe("with its own Redis", () => {
  it("answers a cache hit with exactly one Redis command", async () => {
    await lookup(numbers[0]!); // miss: GET, then the fill
    await lookup(numbers[0]!); // warm every key in memory
    await redis.resetStats();
    const hits = 20;
    for (let i = 0; i < hits; i++) expect((await lookup(numbers[0]!)).recognized).toBe(true);
    const calls = await redis.commandCalls();
    delete calls.config; // the reset itself
    delete calls.info;
    expect(calls).toEqual({ get: hits });
  });

  it("falls back to Postgres within the deadline while Redis hangs, then uses it again", async () => {
    await redis.pause();
    try {
      for (const number of numbers) {
        const started = Date.now();
        const answer = await lookup(number);
        expect(answer.recognized).toBe(true);
        expect(Date.now() - started).toBeLessThan(500);
      }
    } finally {
      await redis.resume();
    }
    await expect.poll(async () => (await lookup(numbers[1]!)).recognized).toBe(true);
  });

  it("keeps answering from Postgres when Redis is stopped mid-test", async () => {
    expect((await lookup(numbers[2]!)).matches[0]?.displayFields).toEqual({ name: "Caller 2" });
    await redis.stop();
    for (const number of numbers) {
      const started = Date.now();
      const answer = await lookup(number);
      expect(answer.matches.map((m) => m.externalId)).toEqual([String(numbers.indexOf(number))]);
      expect(Date.now() - started).toBeLessThan(500);
    }
    // A sync still commits (its invalidation fails and is logged), and lookups see its change.
    await syncOnce(h, seeded, { full: false, upserts: [{ externalId: "0", phoneNumbers: [numbers[0]!], fields: { name: "Renamed" } }] });
    expect((await lookup(numbers[0]!)).matches[0]?.displayFields).toEqual({ name: "Renamed" });
    expect((await lookup("+31356990249")).recognized).toBe(false);
  });
});
