import { Redis, type RedisOptions } from "ioredis";

/**
 * The cache's Redis connection, as the service and its benchmarks open it.
 * No offline queue and no retries: a lookup must learn at once that Redis is
 * away and ask Postgres; commandTimeout bounds what a hung server can hold.
 * Auto-pipelining sends the GETs of lookups that arrive together in one
 * socket write: under load the write syscalls, not Redis, were the cost.
 */
export function openCacheRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 2_000, enableAutoPipelining: true, ...extra });
}
