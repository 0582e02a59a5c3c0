import type { DebugLevel, DebugTarget } from "@switchboard/telemetry";

/**
 * An active debug session as every service sees it: the value stored in the
 * sessions bucket under `<tenant id>.<user id>`. Nothing personal beyond the
 * ids; the reason and who started it stay in the support service.
 */
export interface DebugSessionRecord extends DebugTarget {
  /** Epoch milliseconds after which the session logs nothing, whatever the bucket still holds. */
  readonly expiresAt: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const levels: ReadonlySet<string> = new Set<DebugLevel>(["debug", "trace"]);

/** The bucket key of a user's session. Both parts are UUIDs, so the key is a valid KV key. */
export function sessionKey(tenantId: string, userId: string): string {
  return `${tenantId}.${userId}`;
}

export function encodeSessionRecord(record: DebugSessionRecord): Uint8Array {
  const { sessionId, tenantId, userId, ticket, level, expiresAt } = record;
  return new TextEncoder().encode(JSON.stringify({ sessionId, tenantId, userId, ticket, level, expiresAt }));
}

/** Parses a bucket value; undefined for anything malformed (ignored rather than trusted). */
export function decodeSessionRecord(data: Uint8Array): DebugSessionRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { sessionId, tenantId, userId, ticket, level, expiresAt } = value as Record<string, unknown>;
  if (typeof sessionId !== "string" || !UUID.test(sessionId)) return undefined;
  if (typeof tenantId !== "string" || !UUID.test(tenantId)) return undefined;
  if (typeof userId !== "string" || !UUID.test(userId)) return undefined;
  if (typeof ticket !== "string" || typeof level !== "string" || !levels.has(level)) return undefined;
  if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) return undefined;
  return { sessionId, tenantId, userId, ticket, level: level as DebugLevel, expiresAt };
}
