import { setTimeout as sleep } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { LoginResponseSchema, type LoginResponse } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { withTenant } from "@switchboard/db";
import { Code, RpcError } from "@switchboard/rpc";
import { signAccessToken } from "../domain/access-tokens.js";
import { decoyHash, verifyPassword } from "../domain/password-hash.js";
import { findOrganizationByName, type OrganizationRow } from "../store/organizations.js";
import { findUserByUsername, type UserRow } from "../store/users.js";
import type { IdentityDeps } from "./dependencies.js";
import { startSession } from "./issue-tokens.js";
import { isStaff } from "../domain/roles.js";

/** One answer for every failure, so nobody learns which accounts exist or are locked. */
export const signInFailed = () =>
  new RpcError(Code.Unauthenticated, "sign-in failed: check the organisation, username and password, or try again later");

export const accountKey = (organization: string, username: string) => `${organization.trim().toLowerCase()}/${username.trim().toLowerCase()}`;

export interface LoginInput {
  organization: string;
  username: string;
  password: string;
  clientAddress: string;
}

async function findAccount(deps: IdentityDeps, organization: string, username: string): Promise<{ org: OrganizationRow; user: UserRow } | undefined> {
  const org = await findOrganizationByName(deps.db, organization.trim().toLowerCase());
  if (!org || org.state !== "active") return undefined;
  const user = await withTenant(deps.db, org.id, (trx) => findUserByUsername(trx, username.trim().toLowerCase()));
  if (!user || user.state !== "active" || user.password_hash === null) return undefined;
  return { org, user };
}

/** What the user still has to do before full tokens: replace the password, enrol TOTP. */
export function pendingSetup(org: OrganizationRow, user: UserRow) {
  const secondFactorRequired = isStaff(user.roles) || org.require_mfa;
  return {
    passwordChangeRequired: user.password_change_required,
    totpEnrollmentRequired: secondFactorRequired && user.totp_secret_enc === null,
  };
}

export async function login(deps: IdentityDeps, input: LoginInput): Promise<LoginResponse> {
  const account = accountKey(input.organization, input.username);
  const locked = await deps.throttle.isLocked("password", account, input.clientAddress).catch((error: unknown) => {
    deps.log.warn({ event: "login.throttle_unavailable", reason: (error as Error).message });
    return false;
  });
  const found = locked ? undefined : await findAccount(deps, input.organization, input.username);
  // Always pay for one Argon2id verification, found or not, so the answer
  // takes the same time for unknown users, locked accounts and wrong passwords.
  const passwordOk = await verifyPassword(found?.user.password_hash ?? (await decoyHash()), input.password);

  if (!found || !passwordOk) {
    const delayMs = await deps.throttle.recordFailure("password", account, input.clientAddress).catch(() => 0);
    deps.log.info({ event: "login.failed", locked });
    await sleep(delayMs);
    throw signInFailed();
  }
  await deps.throttle.recordSuccess("password", account).catch(() => undefined);
  const { org, user } = found;

  const setup = pendingSetup(org, user);
  if (setup.passwordChangeRequired || setup.totpEnrollmentRequired) {
    const { token, expiresAt } = await signAccessToken(
      await deps.keys.current(),
      { subject: user.id, tenantId: org.id, roles: [], amr: ["pwd"], kind: "setup" },
      deps.lifetimes.setupSeconds,
    );
    return create(LoginResponseSchema, {
      result: {
        case: "accountSetupRequired",
        value: { setupToken: token, expireTime: timestampFromDate(expiresAt), ...setup },
      },
    });
  }

  if (user.totp_secret_enc !== null) {
    const challenge = await deps.challenges.create({ tenantId: org.id, userId: user.id, account });
    return create(LoginResponseSchema, {
      result: { case: "mfaChallenge", value: { challengeId: challenge.id, expireTime: timestampFromDate(challenge.expiresAt) } },
    });
  }

  const tokens = await withTenant(deps.db, org.id, (trx) => startSession(trx, deps, user, ["pwd"], input.clientAddress));
  deps.log.info({ event: "login.succeeded", tenantId: org.id, userId: user.id, amr: ["pwd"] });
  return create(LoginResponseSchema, { result: { case: "tokens", value: tokens } });
}
