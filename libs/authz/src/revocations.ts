import type { AccessTokenClaims } from "./claims.js";

/** Something identity ended before its tokens expire. */
export type Revocation =
  | { kind: "sessions"; sessionIds: readonly string[] }
  | { kind: "user"; tenantId: string; userId: string; atMs: number }
  | { kind: "tenant"; tenantId: string; atMs: number };

export interface RevocationList {
  /** Whether a verified token must still be refused. */
  isRevoked(claims: AccessTokenClaims): boolean;
  add(revocation: Revocation): void;
  readonly size: number;
}

/**
 * What identity has ended recently, in memory: sessions by id (a token
 * carrying one is refused whenever it was issued), users and tenants from a
 * point in time (a token issued before it is refused; the user may have been
 * enabled again since). Entries outlive the longest access token
 * (`windowMs`) and are then forgotten: such a token has expired anyway.
 */
export function createRevocationList(options: { windowMs?: number; now?: () => number } = {}): RevocationList {
  const windowMs = options.windowMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, number>();
  const users = new Map<string, { atMs: number; until: number }>();
  const tenants = new Map<string, { atMs: number; until: number }>();

  const forgetExpired = () => {
    const t = now();
    for (const map of [sessions, users, tenants] as Map<string, number | { until: number }>[]) {
      for (const [key, value] of map) if ((typeof value === "number" ? value : value.until) <= t) map.delete(key);
    }
  };
  // Issued in or before the second of the revocation: iat has whole seconds.
  const issuedBefore = (claims: AccessTokenClaims, entry: { atMs: number; until: number } | undefined) =>
    entry !== undefined && entry.until > now() && (claims.iat === undefined || claims.iat * 1000 <= entry.atMs);

  let added = 0;
  return {
    isRevoked(claims) {
      const session = claims.sid === undefined ? undefined : sessions.get(claims.sid);
      if (session !== undefined && session > now()) return true;
      return issuedBefore(claims, users.get(`${claims.tid}/${claims.sub}`)) || issuedBefore(claims, tenants.get(claims.tid));
    },
    add(revocation) {
      const until = now() + windowMs;
      if (revocation.kind === "sessions") for (const id of revocation.sessionIds) sessions.set(id, until);
      if (revocation.kind === "user") users.set(`${revocation.tenantId}/${revocation.userId}`, { atMs: revocation.atMs, until });
      if (revocation.kind === "tenant") tenants.set(revocation.tenantId, { atMs: revocation.atMs, until });
      if (++added % 1_000 === 0) forgetExpired();
    },
    get size() {
      forgetExpired();
      return sessions.size + users.size + tenants.size;
    },
  };
}
