import { setTimeout as sleep } from "node:timers/promises";
import { withTenant } from "@switchboard/db";
import { Code, RpcError } from "@switchboard/rpc";
import type { Tokens } from "@switchboard/proto/switchboard/identity/v1/resources_pb";
import type { Transaction } from "kysely";
import { hashRecoveryCode, matchRecoveryCode } from "../domain/recovery-codes.js";
import { acceptTotp } from "../domain/totp.js";
import type { IdentityDatabase } from "../store/schema.js";
import { userScope } from "../store/field-cipher.js";
import { advanceTotpStep, findUserRow, spendRecoveryCode, unusedRecoveryCodes, type UserRow } from "../store/users.js";
import type { IdentityDeps } from "./dependencies.js";
import { startSession } from "./issue-tokens.js";

const mfaFailed = () =>
  new RpcError(Code.Unauthenticated, "second factor refused: enter the current code from your authenticator app or an unused recovery code, or sign in again");

export const totpAad = (userId: string) => `identity.app_user.totp_secret:${userId}`;

/** Checks a TOTP or recovery code for the user, consuming it; false when refused. */
export async function checkSecondFactor(trx: Transaction<IdentityDatabase>, deps: IdentityDeps, user: UserRow, code: string): Promise<boolean> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    if (user.totp_secret_enc === null) return false;
    const secret = await deps.cipher.decrypt(trx, user.tenant_id, userScope(user.id), user.totp_secret_enc, totpAad(user.id));
    const lastStep = user.totp_last_step === null ? undefined : Number(user.totp_last_step);
    const step = acceptTotp(secret, trimmed, lastStep, deps.now?.() ?? Date.now());
    return step !== undefined && (await advanceTotpStep(trx, user.id, step));
  }
  const unused = await unusedRecoveryCodes(trx, user.id);
  const index = matchRecoveryCode(trimmed, unused.map((r) => r.code_hash));
  return index >= 0 && (await spendRecoveryCode(trx, user.id, hashRecoveryCode(trimmed)));
}

export async function verifyMfa(deps: IdentityDeps, input: { challengeId: string; code: string; clientAddress: string }): Promise<Tokens> {
  const challenge = await deps.challenges.find(input.challengeId);
  if (!challenge) throw new RpcError(Code.Unauthenticated, "the sign-in challenge expired or is unknown: sign in again");
  if (await deps.throttle.isLocked("mfa", challenge.account, input.clientAddress).catch(() => false)) {
    await sleep(200);
    throw mfaFailed();
  }
  const tokens = await withTenant(deps.db, challenge.tenantId, async (trx) => {
    const user = await findUserRow(trx, challenge.userId, { forUpdate: true });
    if (!user || user.state !== "active") return undefined;
    if (!(await checkSecondFactor(trx, deps, user, input.code))) return undefined;
    return startSession(trx, deps, user, ["pwd", "otp"], input.clientAddress);
  });
  if (!tokens) {
    await deps.challenges.countFailure(input.challengeId);
    const delayMs = await deps.throttle.recordFailure("mfa", challenge.account, input.clientAddress).catch(() => 0);
    await sleep(delayMs);
    throw mfaFailed();
  }
  await deps.challenges.remove(input.challengeId);
  await deps.throttle.recordSuccess("mfa", challenge.account).catch(() => undefined);
  deps.log.info({ event: "login.succeeded", tenantId: challenge.tenantId, userId: challenge.userId, amr: ["pwd", "otp"] });
  return tokens;
}
