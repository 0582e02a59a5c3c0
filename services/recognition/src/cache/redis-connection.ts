import { Redis, type RedisOptions } from "ioredis";

/**
 * The cache's Redis connection, as the service, its tests and its benchmarks
 * open it. No offline queue and no retries: a lookup must learn at once that
 * Redis is away and ask Postgres; commandTimeout bounds what a hung server
 * can hold.
 *
 * Not auto-pipelined (see writeTogetherThisTick for what it would have
 * saved): ioredis sends the next auto-pipeline only when the previous one
 * has been answered in full, so in a busy process GETs queued behind each
 * other, some past CACHE_TIMEOUT, and the screen pop's p99 at 200 calls/s
 * went from ~15 ms to 30–90 ms.
 */
export function openCacheRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 2_000, ...extra });
}

/**
 * Lets the commands issued in this tick leave in one socket write (cork
 * now, uncork on the next tick): under load a write syscall per GET was the
 * lookup server's largest single cost. Unlike auto-pipelining nothing waits
 * for earlier replies, so a command is never held longer than the tick.
 */
export function writeTogetherThisTick(redis: Redis): () => void {
  let corked = false;
  return () => {
    const socket = redis.stream;
    if (corked || redis.status !== "ready" || !socket) return;
    corked = true;
    socket.cork();
    process.nextTick(() => {
      corked = false;
      socket.uncork();
    });
  };
}
