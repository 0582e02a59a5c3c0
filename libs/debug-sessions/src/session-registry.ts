import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { silentLogger, type Logger } from "@switchboard/rpc";
import { decodeSessionRecord, sessionKey, type DebugSessionRecord } from "./session-record.js";
import { maxSessionMs, purgeGraceMs } from "./names.js";

/** The active debug sessions one process knows of, kept current by a bucket watcher. */
export interface DebugSessionRegistry {
  /** The user's active session; undefined (the usual answer) when none or when it has expired. */
  lookup(tenantId: string, userId: string): DebugSessionRecord | undefined;
  /** Whether the session is still on: false as soon as it ends or its time is up. */
  isActive(sessionId: string): boolean;
  /** Sessions known now (tests, diagnostics). */
  readonly size: number;
  stop(): Promise<void>;
}

/**
 * Opens the sessions bucket (creating it if this process is the first) with
 * history 1 and a bucket-wide maximum age as a backstop; per-session expiry
 * is `expiresAt`, checked on every lookup, so a session switches off on time
 * without any message.
 */
export async function openSessionBucket(nc: NatsConnection, bucket: string): Promise<KV> {
  return new Kvm(nc).create(bucket, { history: 1, ttl: maxSessionMs + purgeGraceMs });
}

/**
 * Watches the bucket: every service keeps the active sessions in one Map,
 * so choosing a request's logger costs one lookup.
 */
export async function watchDebugSessions(options: { nc: NatsConnection; bucket: string; log?: Logger; now?: () => number }): Promise<DebugSessionRegistry> {
  const log = options.log ?? silentLogger;
  const now = options.now ?? Date.now;
  const kv = await openSessionBucket(options.nc, options.bucket);
  const byUser = new Map<string, DebugSessionRecord>();
  const byId = new Map<string, DebugSessionRecord>();
  const watcher = await kv.watch({ key: ">" });

  const forget = (key: string) => {
    const known = byUser.get(key);
    if (known) byId.delete(known.sessionId);
    byUser.delete(key);
  };

  const done = (async () => {
    for await (const entry of watcher) {
      if (entry.operation !== "PUT") {
        forget(entry.key);
        continue;
      }
      const record = decodeSessionRecord(entry.value);
      forget(entry.key);
      if (!record || sessionKey(record.tenantId, record.userId) !== entry.key) {
        log.warn({ event: "debug_session.malformed_entry", revision: entry.revision }, "ignored a malformed debug-session entry");
        continue;
      }
      byUser.set(entry.key, record);
      byId.set(record.sessionId, record);
    }
  })().catch((error: Error) => log.error({ event: "debug_session.watch_failed", reason: error.message }, "debug-session watcher stopped"));

  return {
    lookup(tenantId, userId) {
      if (byUser.size === 0) return undefined;
      const record = byUser.get(sessionKey(tenantId, userId));
      return record !== undefined && record.expiresAt > now() ? record : undefined;
    },
    isActive(sessionId) {
      const record = byId.get(sessionId);
      return record !== undefined && record.expiresAt > now();
    },
    get size() {
      return byUser.size;
    },
    async stop() {
      watcher.stop();
      await done;
    },
  };
}
