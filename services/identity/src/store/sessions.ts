import { sql, type Transaction } from "kysely";
import type { IdentityDatabase } from "./schema.js";

type Trx = Transaction<IdentityDatabase>;

export async function insertSession(trx: Trx, session: { id: string; tenantId: string; userId: string; amr: string[]; expiresAt: Date }): Promise<void> {
  await trx
    .insertInto("session")
    .values({ id: session.id, tenant_id: session.tenantId, user_id: session.userId, amr: session.amr, expires_at: session.expiresAt })
    .execute();
}

export async function insertRefreshToken(trx: Trx, token: { secretHash: string; tenantId: string; sessionId: string; expiresAt: Date }): Promise<void> {
  await trx
    .insertInto("refresh_token")
    .values({ secret_hash: token.secretHash, tenant_id: token.tenantId, session_id: token.sessionId, expires_at: token.expiresAt })
    .execute();
}

/** The session with the token presented, locked so two concurrent refreshes cannot both spend it. */
export function findRefreshToken(trx: Trx, secretHash: string) {
  return trx
    .selectFrom("refresh_token")
    .innerJoin("session", "session.id", "refresh_token.session_id")
    .select([
      "refresh_token.secret_hash",
      "refresh_token.expires_at as token_expires_at",
      "refresh_token.used_at",
      "session.id as session_id",
      "session.tenant_id",
      "session.user_id",
      "session.amr",
      "session.expires_at as session_expires_at",
      "session.revoked_at",
    ])
    .where("refresh_token.secret_hash", "=", secretHash)
    .forUpdate()
    .executeTakeFirst();
}

export async function markRefreshTokenUsed(trx: Trx, secretHash: string): Promise<void> {
  await trx.updateTable("refresh_token").set({ used_at: sql`now()` }).where("secret_hash", "=", secretHash).execute();
}

export async function findSession(trx: Trx, sessionId: string) {
  return trx.selectFrom("session").selectAll().where("id", "=", sessionId).executeTakeFirst();
}

/** Revokes one session; returns whether it was still live. */
export async function revokeSession(trx: Trx, sessionId: string, reason: string): Promise<boolean> {
  const result = await trx
    .updateTable("session")
    .set({ revoked_at: sql`now()`, revoke_reason: reason })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every live session of a user (optionally but one); returns their ids. */
export async function revokeUserSessions(trx: Trx, userId: string, reason: string, exceptSessionId?: string): Promise<string[]> {
  let query = trx
    .updateTable("session")
    .set({ revoked_at: sql`now()`, revoke_reason: reason })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (exceptSessionId) query = query.where("id", "!=", exceptSessionId);
  const revoked = await query.returning("id").execute();
  return revoked.map((row) => row.id);
}

/** Revokes every live session of the tenant in scope (organisation terminated). */
export async function revokeTenantSessions(trx: Trx, reason: string): Promise<number> {
  const result = await trx
    .updateTable("session")
    .set({ revoked_at: sql`now()`, revoke_reason: reason })
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
