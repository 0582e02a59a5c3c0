import { Redis, type RedisOptions } from "ioredis";

/**
 * The cache's Redis connection, as the service, its tests and its benchmarks
 * open it. No offline queue and no retries: a lookup must learn at once that
 * Redis is away and ask Postgres; commandTimeout bounds what a hung server
 * can hold.
 *
 * Not auto-pipelined (see writeTogetherThisTurn for what it would have
 * saved): ioredis sends the next auto-pipeline only when the previous one
 * has been answered in full, so in a busy process GETs queued behind each
 * other, some past CACHE_TIMEOUT, and the screen pop's p99 at 200 calls/s
 * went from ~15 ms to 30–90 ms.
 */
export function openCacheRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 2_000, ...extra });
}

/**
 * Lets the commands issued in this turn of the event loop leave in one
 * socket write: cork now, uncork in the turn's check phase (setImmediate),
 * after every I/O callback of the turn has run. Under load a write syscall
 * per GET was the lookup server's largest single cost.
 *
 * Not process.nextTick: grpc-js hands each request of a socket read to its
 * handler in a callback of its own, and the tick queue drains after each, so
 * every GET still left alone (bench RH32: 32 µs of write per lookup; with
 * the check phase, 3 µs and +40 % lookups/s). Unlike auto-pipelining nothing
 * waits for earlier replies: a command is held only while the turn's other
 * callbacks run.
 */
export function writeTogetherThisTurn(redis: Redis): () => void {
  let corked = false;
  return () => {
    const socket = redis.stream;
    if (corked || redis.status !== "ready" || !socket) return;
    corked = true;
    socket.cork();
    setImmediate(() => {
      corked = false;
      socket.uncork();
    });
  };
}
