import { randomUUID } from "node:crypto";
import { recordAudit } from "@switchboard/audit";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TokensSchema, type Tokens } from "@switchboard/proto/switchboard/identity/v1/resources_pb";
import type { Transaction } from "kysely";
import { signAccessToken } from "../domain/access-tokens.js";
import { formatRefreshToken, hashSecret, newRefreshSecret } from "../domain/refresh-tokens.js";
import type { IdentityDatabase } from "../store/schema.js";
import { insertRefreshToken, insertSession } from "../store/sessions.js";
import type { UserRow } from "../store/users.js";
import type { IdentityDeps } from "./dependencies.js";

type Trx = Transaction<IdentityDatabase>;

/** The next refresh token of a session, and the access token that goes with it. */
export async function issueTokens(trx: Trx, deps: IdentityDeps, user: UserRow, sessionId: string, amr: string[]): Promise<Tokens> {
  const now = deps.now?.() ?? Date.now();
  const secret = newRefreshSecret();
  const refreshExpiresAt = new Date(now + deps.lifetimes.refreshSeconds * 1000);
  await insertRefreshToken(trx, { secretHash: hashSecret(secret), tenantId: user.tenant_id, sessionId, expiresAt: refreshExpiresAt });
  const access = await signAccessToken(
    await deps.keys.current(),
    { subject: user.id, tenantId: user.tenant_id, roles: user.roles, amr, sessionId, kind: "user" },
    deps.lifetimes.accessSeconds,
    now,
  );
  return create(TokensSchema, {
    accessToken: access.token,
    refreshToken: formatRefreshToken({ tenantId: user.tenant_id, sessionId, secret }),
    accessTokenExpireTime: timestampFromDate(access.expiresAt),
    refreshTokenExpireTime: timestampFromDate(refreshExpiresAt),
  });
}

/** A new session (one sign-in) with its first tokens, audited as the user's own act. */
export async function startSession(trx: Trx, deps: IdentityDeps, user: UserRow, amr: string[], clientAddress: string): Promise<Tokens> {
  const now = deps.now?.() ?? Date.now();
  const sessionId = randomUUID();
  await insertSession(trx, {
    id: sessionId,
    tenantId: user.tenant_id,
    userId: user.id,
    amr,
    expiresAt: new Date(now + deps.lifetimes.sessionSeconds * 1000),
  });
  await recordAudit(trx, {
    tenantId: user.tenant_id,
    actor: { caller: { subject: user.id, tenantId: user.tenant_id, roles: user.roles, amr, kind: "user" }, clientAddress },
    action: "identity.session.created",
    resource: { type: "session", id: sessionId },
    details: { amr: amr.join(",") },
  });
  return issueTokens(trx, deps, user, sessionId, amr);
}
