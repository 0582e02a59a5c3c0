import { recordAudit } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { enqueueEvent } from "@switchboard/events";
import { Code, RpcError } from "@switchboard/rpc";
import type { Tokens } from "@switchboard/proto/switchboard/identity/v1/resources_pb";
import { hashSecret, parseRefreshToken } from "../domain/refresh-tokens.js";
import { identityEvents } from "../events/identity-events.js";
import { findOrganization } from "../store/organizations.js";
import { findRefreshToken, markRefreshTokenUsed, revokeSession } from "../store/sessions.js";
import { findUserRow } from "../store/users.js";
import type { IdentityDeps } from "./dependencies.js";
import { issueTokens } from "./issue-tokens.js";

const refreshRefused = () => new RpcError(Code.Unauthenticated, "refresh token is invalid, spent or expired: sign in again");

/**
 * Spends a refresh token and issues the next one. A token that was already
 * spent means two parties hold the family (the token was stolen): the whole
 * session is revoked, so both the thief and the user must sign in again.
 */
export async function refreshTokens(deps: IdentityDeps, refreshToken: string): Promise<Tokens> {
  const parts = parseRefreshToken(refreshToken);
  if (!parts) throw refreshRefused();
  const { tenantId } = parts;
  const outcome = await withTenant(deps.db, tenantId, async (trx) => {
    const token = await findRefreshToken(trx, hashSecret(parts.secret));
    if (!token || token.session_id !== parts.sessionId) return { refused: true as const };
    const now = deps.now?.() ?? Date.now();
    if (token.used_at !== null) {
      if (await revokeSession(trx, token.session_id, "refresh_reuse")) {
        await enqueueEvent(trx, identityEvents.sessionsRevoked, { organizationId: tenantId, userId: token.user_id, reason: "refresh_reuse", sessionIds: [token.session_id] });
        await recordAudit(trx, { tenantId, actor: { system: "identity" }, action: "identity.session.revoked", resource: { type: "session", id: token.session_id }, details: { reason: "refresh_reuse", userId: token.user_id } });
      }
      return { refused: true as const, reuse: true, userId: token.user_id };
    }
    if (token.revoked_at !== null || new Date(token.token_expires_at).getTime() <= now || new Date(token.session_expires_at).getTime() <= now) {
      return { refused: true as const };
    }
    const user = await findUserRow(trx, token.user_id);
    const org = await findOrganization(trx, tenantId);
    if (!user || user.state !== "active" || org?.state !== "active") return { refused: true as const };
    await markRefreshTokenUsed(trx, token.secret_hash);
    return { refused: false as const, tokens: await issueTokens(trx, deps, user, token.session_id, token.amr) };
  });
  if (outcome.refused) {
    if ("reuse" in outcome) deps.log.warn({ event: "refresh.reuse_detected", tenantId, userId: outcome.userId });
    throw refreshRefused();
  }
  return outcome.tokens;
}
