import { describe, expect, it } from "vitest";
import { createKeyCache } from "./key-cache.js";

describe("createKeyCache", () => {
  it("forgets entries after their time to live and zero-fills what it lets go", () => {
    let now = 1_000;
    const evicted: Buffer[] = [];
    const cache = createKeyCache<Buffer>({ ttlMs: 100, maxEntries: 10, now: () => now, onEvict: (b) => evicted.push(b.fill(0)) });
    const key = Buffer.from("k".repeat(32));
    cache.set("a", key);
    now += 99;
    expect(cache.get("a")).toBe(key);
    now += 1;
    expect(cache.get("a")).toBeUndefined();
    expect(evicted).toEqual([key]);
    expect(key.every((byte) => byte === 0)).toBe(true);
  });

  it("keeps at most maxEntries, dropping the least recently used", () => {
    const evicted: string[] = [];
    const cache = createKeyCache<string>({ ttlMs: 60_000, maxEntries: 2, onEvict: (v) => evicted.push(v) });
    cache.set("a", "A");
    cache.set("b", "B");
    cache.get("a");
    cache.set("c", "C");
    expect(evicted).toEqual(["B"]);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["A", undefined, "C"]);
    cache.evictWhere((v) => v === "A");
    cache.set("c", "C");
    expect(cache.size).toBe(1);
    expect(evicted).toEqual(["B", "A"]);
  });

  it("caches nothing when maxEntries or ttlMs is 0", () => {
    const evicted: string[] = [];
    const cache = createKeyCache<string>({ ttlMs: 0, maxEntries: 5, onEvict: (v) => evicted.push(v) });
    cache.set("a", "A");
    expect(cache.get("a")).toBeUndefined();
    expect(evicted).toEqual(["A"]);
  });
});
