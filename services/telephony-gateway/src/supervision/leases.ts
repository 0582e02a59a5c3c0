import type { JetStreamClient } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";

export interface Leases {
  /** Takes the lease if nobody holds it (or we already do). */
  acquire(key: string): Promise<boolean>;
  /** Extends a lease we hold; false when it was lost (expired and taken, or deleted). */
  renew(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
  /** Announces this replica as alive (expires with the TTL unless repeated). */
  heartbeat(): Promise<void>;
  /** Ids of the replicas that announced themselves within the TTL. */
  liveReplicas(): Promise<string[]>;
  readonly owner: string;
}

/**
 * Leases in a NATS KV bucket whose entries expire `ttlMs` after their last
 * write: `create` succeeds for one replica only, `update` with the revision
 * we last wrote fails once anybody else has written. A replica that dies
 * stops renewing, its entries expire, and another replica takes over.
 */
export async function openLeases(js: JetStreamClient, options: { bucket: string; ttlMs: number; owner: string }): Promise<Leases> {
  const kv: KV = await new Kvm(js).create(options.bucket, { ttl: options.ttlMs, history: 1 });
  const revisions = new Map<string, number>();
  const { owner } = options;

  const renew = async (key: string) => {
    const revision = revisions.get(key);
    if (revision === undefined) return false;
    try {
      revisions.set(key, await kv.update(key, owner, revision));
      return true;
    } catch {
      revisions.delete(key);
      return false;
    }
  };

  return {
    owner,
    renew,
    async acquire(key) {
      try {
        revisions.set(key, await kv.create(key, owner));
        return true;
      } catch {
        const entry = await kv.get(key).catch(() => null);
        if (entry && entry.operation === "PUT" && entry.string() === owner) {
          revisions.set(key, entry.revision);
          return renew(key);
        }
        return false;
      }
    },
    async release(key) {
      const revision = revisions.get(key);
      revisions.delete(key);
      if (revision !== undefined) await kv.delete(key, { previousSeq: revision }).catch(() => {});
    },
    async heartbeat() {
      await kv.put(`replica.${owner}`, String(Date.now()));
    },
    async liveReplicas() {
      const replicas: string[] = [];
      for await (const key of await kv.keys("replica.*")) replicas.push(key.slice("replica.".length));
      return replicas;
    },
  };
}
