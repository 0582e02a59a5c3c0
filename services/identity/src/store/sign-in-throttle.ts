import type { Redis } from "ioredis";

/**
 * Guessing defence for sign-in, in Redis (shared by every replica; losing it
 * only resets counters). Failures are counted per account and per client
 * address, separately for passwords and second factors. Too many failures
 * lock for a while, each lock twice as long as the last (capped) — never
 * permanently, since a permanent lock would let anyone lock users out. The
 * caller answers a locked attempt exactly like a wrong password.
 */
export interface ThrottleSettings {
  accountFailures: number;
  addressFailures: number;
  windowSeconds: number;
  firstLockSeconds: number;
  maxLockSeconds: number;
  /** Delay added to a failed answer, doubling with each failure in the window. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultThrottleSettings: ThrottleSettings = {
  accountFailures: 5,
  addressFailures: 50,
  windowSeconds: 15 * 60,
  firstLockSeconds: 60,
  maxLockSeconds: 60 * 60,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
};

export type Factor = "password" | "mfa";

export interface SignInThrottle {
  isLocked(factor: Factor, account: string, address: string): Promise<boolean>;
  /** Records a failure; returns how long to hold the failed answer. */
  recordFailure(factor: Factor, account: string, address: string): Promise<number>;
  recordSuccess(factor: Factor, account: string): Promise<void>;
}

export function createSignInThrottle(redis: Redis, settings: ThrottleSettings = defaultThrottleSettings, prefix = "identity:throttle"): SignInThrottle {
  const key = (kind: string, factor: Factor, scope: "acct" | "addr", id: string) => `${prefix}:${kind}:${factor}:${scope}:${id}`;

  async function fail(factor: Factor, scope: "acct" | "addr", id: string, limit: number): Promise<number> {
    const failures = await redis
      .multi()
      .incr(key("fail", factor, scope, id))
      .expire(key("fail", factor, scope, id), settings.windowSeconds, "NX")
      .exec();
    const count = Number(failures?.[0]?.[1] ?? 0);
    if (count >= limit) {
      const locks = Number(await redis.incr(key("locks", factor, scope, id)));
      await redis.expire(key("locks", factor, scope, id), 24 * 60 * 60);
      const lockSeconds = Math.min(settings.firstLockSeconds * 2 ** (locks - 1), settings.maxLockSeconds);
      await redis.multi().set(key("lock", factor, scope, id), "1", "EX", lockSeconds).del(key("fail", factor, scope, id)).exec();
    }
    return count;
  }

  return {
    async isLocked(factor, account, address) {
      const locked = await redis.exists(key("lock", factor, "acct", account), key("lock", factor, "addr", address));
      return locked > 0;
    },
    async recordFailure(factor, account, address) {
      const [accountFailures] = await Promise.all([
        fail(factor, "acct", account, settings.accountFailures),
        fail(factor, "addr", address, settings.addressFailures),
      ]);
      return Math.min(settings.baseDelayMs * 2 ** Math.max(0, accountFailures - 1), settings.maxDelayMs);
    },
    async recordSuccess(factor, account) {
      await redis.del(key("fail", factor, "acct", account));
    },
  };
}
