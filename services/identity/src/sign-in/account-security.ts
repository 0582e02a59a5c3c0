import { withTenant } from "@switchboard/db";
import { recordAudit } from "@switchboard/audit";
import { enqueueEvent } from "@switchboard/events";
import { Code, RpcError, type Caller } from "@switchboard/rpc";
import { hashPassword, verifyPassword } from "../domain/password-hash.js";
import { checkPassword } from "../domain/password-policy.js";
import { generateRecoveryCodes, hashRecoveryCode } from "../domain/recovery-codes.js";
import { acceptTotp, generateTotpSecret, totpUri } from "../domain/totp.js";
import { identityEvents } from "../events/identity-events.js";
import { userScope } from "../store/field-cipher.js";
import { findOrganization } from "../store/organizations.js";
import { revokeSession, revokeUserSessions } from "../store/sessions.js";
import { findUserRow, replaceRecoveryCodes, updateUser } from "../store/users.js";
import type { IdentityDeps } from "./dependencies.js";
import { totpAad } from "./verify-mfa.js";

const pendingTotpAad = (userId: string) => `identity.app_user.totp_pending_secret:${userId}`;

function requireUser(caller: Caller | undefined): Caller {
  if (!caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return caller;
}

/** Rejects a password breaking the policy, naming every rule it breaks. */
export function assertPasswordAcceptable(password: string, username: string, field: string): void {
  const problems = checkPassword(password, username);
  if (problems.length > 0) throw RpcError.invalidArgument(problems.map((description) => ({ field, description })));
}

export async function changePassword(deps: IdentityDeps, caller: Caller | undefined, currentPassword: string, newPassword: string): Promise<void> {
  const { subject, tenantId, sessionId } = requireUser(caller);
  const user = await withTenant(deps.db, tenantId, (trx) => findUserRow(trx, subject));
  if (!user || user.state !== "active" || user.password_hash === null) throw new RpcError(Code.NotFound, "user not found");
  if (!(await verifyPassword(user.password_hash, currentPassword))) {
    throw new RpcError(Code.PermissionDenied, "current_password is wrong: the password was not changed");
  }
  assertPasswordAcceptable(newPassword, user.username, "new_password");
  if (await verifyPassword(user.password_hash, newPassword)) {
    throw RpcError.invalidArgument([{ field: "new_password", description: "must differ from the current password" }]);
  }
  const passwordHash = await hashPassword(newPassword);
  await withTenant(deps.db, tenantId, async (trx) => {
    await updateUser(trx, subject, { password_hash: passwordHash, password_change_required: false });
    const revoked = await revokeUserSessions(trx, subject, "password_changed", sessionId);
    if (revoked.length > 0) await enqueueEvent(trx, identityEvents.sessionsRevoked, { organizationId: tenantId, userId: subject, reason: "password_changed", sessionIds: revoked });
    await recordAudit(trx, { tenantId, actor: { caller: caller! }, action: "identity.user.password_changed", resource: { type: "user", id: subject }, personalData: ["credentials"], details: { otherSessionsRevoked: revoked.length } });
  });
  deps.log.info({ event: "password.changed", tenantId, userId: subject });
}

export async function enrollTotp(deps: IdentityDeps, caller: Caller | undefined, issuer: string): Promise<{ secret: string; otpauthUri: string }> {
  const { subject, tenantId } = requireUser(caller);
  return withTenant(deps.db, tenantId, async (trx) => {
    const user = await findUserRow(trx, subject, { forUpdate: true });
    if (!user || user.state !== "active") throw new RpcError(Code.NotFound, "user not found");
    if (user.totp_secret_enc !== null) {
      throw new RpcError(Code.FailedPrecondition, "TOTP is already enrolled: ask an administrator to reset it before enrolling a new device");
    }
    const org = await findOrganization(trx, tenantId);
    const secret = generateTotpSecret();
    const encrypted = await deps.cipher.encrypt(trx, tenantId, userScope(subject), secret, pendingTotpAad(subject));
    await updateUser(trx, subject, { totp_pending_secret_enc: encrypted });
    return { secret, otpauthUri: totpUri(secret, issuer, `${org?.name ?? "switchboard"}:${user.username}`) };
  });
}

export async function confirmTotp(deps: IdentityDeps, caller: Caller | undefined, code: string): Promise<string[]> {
  const { subject, tenantId } = requireUser(caller);
  const codes = await withTenant(deps.db, tenantId, async (trx) => {
    const user = await findUserRow(trx, subject, { forUpdate: true });
    if (!user || user.state !== "active") throw new RpcError(Code.NotFound, "user not found");
    if (user.totp_pending_secret_enc === null) throw new RpcError(Code.FailedPrecondition, "no TOTP enrolment in progress: call EnrollTotp first");
    const secret = await deps.cipher.decrypt(trx, tenantId, userScope(subject), user.totp_pending_secret_enc, pendingTotpAad(subject));
    const step = acceptTotp(secret, code.trim(), undefined, deps.now?.() ?? Date.now());
    if (step === undefined) {
      throw RpcError.invalidArgument([{ field: "code", description: "does not match: enter the 6-digit code your authenticator app shows now" }]);
    }
    const recoveryCodes = generateRecoveryCodes();
    await updateUser(trx, subject, {
      totp_secret_enc: await deps.cipher.encrypt(trx, tenantId, userScope(subject), secret, totpAad(subject)),
      totp_pending_secret_enc: null,
      totp_last_step: step,
    });
    await replaceRecoveryCodes(trx, tenantId, subject, recoveryCodes.map(hashRecoveryCode));
    await recordAudit(trx, { tenantId, actor: { caller: caller! }, action: "identity.user.totp_enrolled", resource: { type: "user", id: subject }, personalData: ["credentials"], details: { recoveryCodes: recoveryCodes.length } });
    return recoveryCodes;
  });
  deps.log.info({ event: "totp.enrolled", tenantId, userId: subject });
  return codes;
}

export async function logout(deps: IdentityDeps, caller: Caller | undefined): Promise<void> {
  const { subject, tenantId, sessionId } = requireUser(caller);
  if (!sessionId) return; // set-up and service tokens have no session to end
  await withTenant(deps.db, tenantId, async (trx) => {
    if (await revokeSession(trx, sessionId, "logout")) {
      await enqueueEvent(trx, identityEvents.sessionsRevoked, { organizationId: tenantId, userId: subject, reason: "logout", sessionIds: [sessionId] });
      await recordAudit(trx, { tenantId, actor: { caller: caller! }, action: "identity.session.revoked", resource: { type: "session", id: sessionId }, details: { reason: "logout", userId: subject } });
    }
  });
}
