import type { NatsConnection } from "@nats-io/transport-node";
import { encodeSessionRecord, decodeSessionRecord, openSessionBucket, sessionKey, type DebugSessionRecord } from "@switchboard/debug-sessions";

/** The support service's side of the sessions bucket every service watches: it alone writes. */
export interface SessionBucket {
  /** Switches the session on (or moves its end) everywhere. */
  put(record: DebugSessionRecord): Promise<void>;
  /** Switches the session off everywhere, unless the user's entry already names a newer session. */
  remove(tenantId: string, userId: string, sessionId: string): Promise<void>;
}

export async function createSessionBucket(nc: NatsConnection, bucket: string): Promise<SessionBucket> {
  const kv = await openSessionBucket(nc, bucket);
  return {
    async put(record) {
      await kv.put(sessionKey(record.tenantId, record.userId), encodeSessionRecord(record));
    },
    async remove(tenantId, userId, sessionId) {
      const key = sessionKey(tenantId, userId);
      const entry = await kv.get(key);
      if (!entry || entry.operation !== "PUT") return;
      if (decodeSessionRecord(entry.value)?.sessionId !== sessionId) return;
      // Only the revision read above: a session started meanwhile stays on.
      await kv.delete(key, { previousSeq: entry.revision });
    },
  };
}
