import { randomUUID } from "node:crypto";
import { recordAudit } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { enqueueEvent } from "@switchboard/events";
import { hashPassword } from "./domain/password-hash.js";
import { acceptTotp, currentTotp } from "./domain/totp.js";
import { identityEvents } from "./events/identity-events.js";
import { totpAad } from "./sign-in/verify-mfa.js";
import type { IdentityDeps } from "./sign-in/dependencies.js";
import { userScope } from "./store/field-cipher.js";
import { findOrganizationByName, insertOrganization, type NewOrganization, type OrganizationRow } from "./store/organizations.js";
import { findUserByUsername, insertUser, updateUser, type UserRow } from "./store/users.js";

/**
 * Accounts created outside the API: the one-time production bootstrap of the
 * first staff admin, and the local demo seed. Both are idempotent.
 */
export async function ensureOrganization(deps: Pick<IdentityDeps, "db">, org: NewOrganization): Promise<OrganizationRow> {
  const existing = await findOrganizationByName(deps.db, org.name);
  if (existing) return existing;
  return deps.db.transaction().execute(async (trx) => {
    const row = await insertOrganization(trx, org);
    if (!row) return (await findOrganizationByName(trx, org.name))!;
    await enqueueEvent(trx, identityEvents.organizationCreated, { organizationId: row.id, defaultRegion: row.default_region });
    await recordAudit(trx, { tenantId: row.id, actor: { system: "identity-provisioning" }, action: "identity.organization.created", resource: { type: "organization", id: row.id }, details: { name: row.name } });
    return row;
  });
}

export interface ProvisionedUser {
  username: string;
  displayName: string;
  email: string;
  roles: string[];
  password: string;
  passwordChangeRequired: boolean;
  /** Enrol TOTP with this base32 secret (the demo staff user). */
  totpSecret?: string;
}

/** Creates the user, or resets an existing one's password, roles and TOTP to the given values. */
export async function ensureUser(deps: Pick<IdentityDeps, "db" | "cipher">, org: OrganizationRow, user: ProvisionedUser): Promise<{ row: UserRow; created: boolean }> {
  const passwordHash = await hashPassword(user.password);
  return withTenant(deps.db, org.id, async (trx) => {
    let row = await findUserByUsername(trx, user.username);
    const created = row === undefined;
    if (!row) {
      row = await insertUser(trx, deps.cipher, {
        id: randomUUID(),
        tenantId: org.id,
        username: user.username,
        displayName: user.displayName,
        email: user.email,
        roles: user.roles,
        passwordHash,
        passwordChangeRequired: user.passwordChangeRequired,
        managerId: null,
      });
      await enqueueEvent(trx, identityEvents.userCreated, { organizationId: org.id, userId: row!.id, roles: user.roles });
      await recordAudit(trx, { tenantId: org.id, actor: { system: "identity-provisioning" }, action: "identity.user.created", resource: { type: "user", id: row!.id }, personalData: ["contact", "credentials"], details: { roles: user.roles.join(",") } });
    } else {
      row = await updateUser(trx, row.id, { password_hash: passwordHash, roles: user.roles, state: "active", password_change_required: user.passwordChangeRequired });
      await recordAudit(trx, { tenantId: org.id, actor: { system: "identity-provisioning" }, action: "identity.user.reset", resource: { type: "user", id: row!.id }, personalData: ["credentials"], details: { roles: user.roles.join(",") } });
    }
    if (user.totpSecret) {
      const secret = await deps.cipher.encrypt(trx, org.id, userScope(row!.id), user.totpSecret, totpAad(row!.id));
      // Mark the current step used, as a confirmed enrolment would.
      const step = acceptTotp(user.totpSecret, currentTotp(user.totpSecret), undefined);
      row = await updateUser(trx, row!.id, { totp_secret_enc: secret, totp_pending_secret_enc: null, totp_last_step: (step ?? 1) - 2 });
    }
    return { row: row!, created };
  });
}
