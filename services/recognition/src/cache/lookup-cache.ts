import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { writeTogetherThisTurn } from "./redis-connection.js";

/**
 * One cached match: everything a cache hit needs to answer without Postgres,
 * and nothing readable — the record stays the ciphertext Postgres holds
 * (sealed under its source's data key); field names and ids are not personal.
 */
export interface CachedMatch {
  sourceId: string;
  priority: number;
  displayFields: string[];
  scriptFields: string[];
  recordKey: Buffer;
  payload: Buffer;
}

export type CacheRead =
  | { kind: "hit"; matches: CachedMatch[] }
  | { kind: "unknown" }
  /** Not cached; `block` is the marker a recent change left, which a fill may replace. */
  | { kind: "miss"; block?: string }
  | { kind: "unavailable"; reason: string };

export interface LookupCacheOptions {
  redis: Redis;
  /** Starts every key, e.g. "recognition:". */
  prefix: string;
  ttlMs: number;
  negativeTtlMs: number;
  /**
   * How long a changed number stays blocked after a change: longer than any
   * lookup can take between reading Postgres and filling the cache, so a
   * lookup that read the old data cannot put it back.
   */
  blockMs?: number;
}

const UNKNOWN = "0";
const BLOCK = "~";

/** How many GETs must already wait for Redis before a lookup's GET is held for the turn's one write. */
export const BATCH_WHEN_WAITING = 4;

// Replaces a block marker, but only the one the lookup saw: if another change
// blocked the number again since, the lookup's data may be stale.
const replaceBlock = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return nil`;

// Blocks many numbers in one command: a sync batch changes up to a thousand
// numbers, and a command per number costs the server more than the batch's SQL.
const blockAll = `for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) end return #KEYS`;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function encode(matches: CachedMatch[]): string {
  return JSON.stringify(matches.map((m) => [m.sourceId, m.priority, m.displayFields, m.scriptFields, m.recordKey.toString("base64"), m.payload.toString("base64")]));
}

function decode(value: string): CachedMatch[] {
  const rows = JSON.parse(value) as [string, number, string[], string[], string, string][];
  return rows.map(([sourceId, priority, displayFields, scriptFields, key, payload]) => ({
    sourceId,
    priority,
    displayFields,
    scriptFields,
    recordKey: Buffer.from(key, "base64"),
    payload: Buffer.from(payload, "base64"),
  }));
}

/**
 * The recognition hot cache: tenant + blind index of the number → the
 * encrypted matches, or "unknown" for a short while. A hit is exactly one
 * GET. Redis must persist nothing (save "" and appendonly no): it holds only
 * ciphertext, and losing it costs only a re-warm from Postgres.
 */
export function createLookupCache(options: LookupCacheOptions) {
  const { redis, prefix } = options;
  if (!("replaceBlock" in redis)) redis.defineCommand("replaceBlock", { numberOfKeys: 1, lua: replaceBlock });
  if (!("blockAll" in redis)) redis.defineCommand("blockAll", { lua: blockAll });
  const blockKeys = (keys: string[], marker: string, ttlMs: number) =>
    (redis as unknown as { blockAll(count: number, ...args: (string | number)[]): Promise<number> }).blockAll(keys.length, ...keys, marker, ttlMs);
  const replace = (key: string, block: string, value: string, ttlMs: number) =>
    (redis as unknown as { replaceBlock(key: string, block: string, value: string, ttl: number): Promise<unknown> }).replaceBlock(key, block, value, ttlMs);
  const blockMs = options.blockMs ?? 2_000;
  const writeTogether = writeTogetherThisTurn(redis);
  let readsWaiting = 0;
  const keyOf = (tenantId: string, numberIndex: Buffer) => `${prefix}${tenantId}:${numberIndex.toString("base64url")}`;
  const keysOf = (tenantId: string, indexes: Buffer[]) => [...new Set(indexes.map((index) => keyOf(tenantId, index)))];

  async function inChunks(keys: string[], apply: (chunk: string[]) => Promise<unknown>) {
    for (let at = 0; at < keys.length; at += 1_000) await apply(keys.slice(at, at + 1_000));
  }

  return {
    keyOf,

    /** One GET, given up after `timeoutMs`: the caller falls back to Postgres. */
    async read(tenantId: string, numberIndex: Buffer, timeoutMs: number): Promise<CacheRead> {
      let value: string | null;
      // Batched only under real load, when several GETs already wait for
      // Redis (bench RH32: 32 lookups in flight, +40-60 % lookups/s). A few
      // overlapping lookups, as the busy screen-pop process sees in its
      // bursts, leave at once: held to the end of the turn, they were the
      // pops in SP200's p99 (batching from the second waiting GET on raised
      // it from ~16 to ~19-28 ms).
      const underLoad = readsWaiting >= BATCH_WHEN_WAITING;
      readsWaiting += 1;
      try {
        if (underLoad) writeTogether();
        value = await withTimeout(redis.get(keyOf(tenantId, numberIndex)), timeoutMs);
      } catch (error) {
        return { kind: "unavailable", reason: (error as Error).message };
      } finally {
        readsWaiting -= 1;
      }
      if (value === null) return { kind: "miss" };
      if (value.startsWith(BLOCK)) return { kind: "miss", block: value };
      if (value === UNKNOWN) return { kind: "unknown" };
      return { kind: "hit", matches: decode(value) };
    },

    /**
     * Stores what Postgres answered. A change to the number's records leaves
     * a block marker: a lookup that read Postgres before that change (it saw
     * no marker, or an older one) cannot overwrite it, while one that saw the
     * current marker read after the change's commit and may. Failures are
     * the caller's to log, never to surface.
     */
    async fill(tenantId: string, numberIndex: Buffer, matches: CachedMatch[], timeoutMs: number, block?: string): Promise<void> {
      const key = keyOf(tenantId, numberIndex);
      const [value, ttl] = matches.length === 0 ? [UNKNOWN, options.negativeTtlMs] : [encode(matches), options.ttlMs];
      await withTimeout(block ? replace(key, block, value, ttl) : redis.set(key, value, "PX", ttl, "NX"), timeoutMs);
    },

    /** After a change to the records behind these numbers: their entries go, and stay out for `blockMs`. */
    async invalidate(tenantId: string, numberIndexes: Buffer[]): Promise<void> {
      // One marker for the whole change: a lookup only needs to tell "after
      // this change" from "before it", and a marker per key costs a CSPRNG
      // call each.
      const marker = `${BLOCK}${randomBytes(8).toString("base64url")}`;
      await inChunks(keysOf(tenantId, numberIndexes), (chunk) => blockKeys(chunk, marker, blockMs));
    },

    /** Deletes the entries outright (their data is gone, and so is its key): no block is left behind. */
    async remove(tenantId: string, numberIndexes: Buffer[]): Promise<void> {
      await inChunks(keysOf(tenantId, numberIndexes), (chunk) => redis.unlink(...chunk));
    },

    /** Deletes every entry of the tenant; returns how many. */
    async purgeTenant(tenantId: string): Promise<number> {
      let removed = 0;
      const stream = redis.scanStream({ match: `${prefix}${tenantId}:*`, count: 1_000 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        if (keys.length > 0) removed += await redis.unlink(...keys);
      }
      return removed;
    },
  };
}

export type LookupCache = ReturnType<typeof createLookupCache>;
