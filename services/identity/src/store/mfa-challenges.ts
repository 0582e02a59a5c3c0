import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Pending second-factor challenges live in Redis for a few minutes: they are
 * short-lived by nature, and losing them only means signing in again.
 */
export interface MfaChallenge {
  tenantId: string;
  userId: string;
  account: string;
}

export interface MfaChallenges {
  create(challenge: MfaChallenge): Promise<{ id: string; expiresAt: Date }>;
  find(id: string): Promise<MfaChallenge | undefined>;
  /** Counts a wrong answer; after `maxAttempts` the challenge is gone. */
  countFailure(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}

export function createMfaChallenges(redis: Redis, ttlSeconds = 300, maxAttempts = 5, prefix = "identity:mfa"): MfaChallenges {
  const key = (id: string) => `${prefix}:${id}`;
  return {
    async create(challenge) {
      const id = randomUUID();
      await redis.set(key(id), JSON.stringify({ ...challenge, attempts: 0 }), "EX", ttlSeconds);
      return { id, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
    },
    async find(id) {
      if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
      const raw = await redis.get(key(id));
      if (!raw) return undefined;
      const { tenantId, userId, account } = JSON.parse(raw) as MfaChallenge;
      return { tenantId, userId, account };
    },
    async countFailure(id) {
      const raw = await redis.get(key(id));
      if (!raw) return;
      const stored = JSON.parse(raw) as MfaChallenge & { attempts: number };
      stored.attempts += 1;
      if (stored.attempts >= maxAttempts) await redis.del(key(id));
      else await redis.set(key(id), JSON.stringify(stored), "KEEPTTL");
    },
    async remove(id) {
      await redis.del(key(id));
    },
  };
}
