import { sql, type Selectable, type Transaction } from "kysely";
import type { FieldCipher } from "./field-cipher.js";
import { userScope } from "./field-cipher.js";
import type { IdentityDatabase, UserTable } from "./schema.js";

type Trx = Transaction<IdentityDatabase>;
export type UserRow = Selectable<UserTable>;

/** A user with personal fields decrypted, as RPCs return it. */
export interface UserRecord {
  id: string;
  tenantId: string;
  username: string;
  displayName: string;
  email: string;
  roles: string[];
  state: UserRow["state"];
  totpEnrolled: boolean;
  passwordChangeRequired: boolean;
  managerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const aad = (field: string, userId: string) => `identity.app_user.${field}:${userId}`;

export interface NewUser {
  id: string;
  tenantId: string;
  username: string;
  displayName: string;
  email: string;
  roles: string[];
  passwordHash: string;
  passwordChangeRequired: boolean;
  managerId: string | null;
}

export async function insertUser(trx: Trx, cipher: FieldCipher, user: NewUser): Promise<UserRow | undefined> {
  const scope = userScope(user.id);
  return trx
    .insertInto("app_user")
    .values({
      id: user.id,
      tenant_id: user.tenantId,
      username: user.username,
      display_name_enc: await cipher.encrypt(trx, user.tenantId, scope, user.displayName, aad("display_name", user.id)),
      email_enc: await cipher.encrypt(trx, user.tenantId, scope, user.email, aad("email", user.id)),
      roles: user.roles,
      password_hash: user.passwordHash,
      password_change_required: user.passwordChangeRequired,
      manager_id: user.managerId,
    })
    .onConflict((oc) => oc.constraint("app_user_username_unique").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findUserByUsername(trx: Trx, username: string): Promise<UserRow | undefined> {
  return trx.selectFrom("app_user").selectAll().where("username", "=", username).executeTakeFirst();
}

export function findUserRow(trx: Trx, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRow | undefined> {
  const query = trx.selectFrom("app_user").selectAll().where("id", "=", id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function decryptUser(trx: Trx, cipher: FieldCipher, row: UserRow): Promise<UserRecord> {
  const scope = userScope(row.id);
  const read = (value: Buffer | null, field: string) =>
    value === null ? Promise.resolve("") : cipher.decrypt(trx, row.tenant_id, scope, value, aad(field, row.id));
  return {
    id: row.id,
    tenantId: row.tenant_id,
    username: row.username,
    displayName: await read(row.display_name_enc, "display_name"),
    email: await read(row.email_enc, "email"),
    roles: row.roles,
    state: row.state,
    totpEnrolled: row.totp_secret_enc !== null,
    passwordChangeRequired: row.password_change_required,
    managerId: row.manager_id,
    createdAt: row.created_at,
    updatedAt: new Date(row.updated_at),
  };
}

/** One page ordered by username, starting after `afterUsername`; deleted users are left out. */
export function listUserRows(trx: Trx, limit: number, afterUsername: string | undefined): Promise<UserRow[]> {
  let query = trx.selectFrom("app_user").selectAll().where("state", "!=", "deleted").orderBy("username").limit(limit);
  if (afterUsername !== undefined) query = query.where("username", ">", afterUsername);
  return query.execute();
}

export function updateUser(trx: Trx, id: string, changes: Partial<Omit<UserRow, "id" | "tenant_id" | "created_at" | "updated_at" | "totp_last_step">> & { totp_last_step?: number | null }) {
  return trx
    .updateTable("app_user")
    .set({ ...changes, updated_at: sql`now()` })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Records an accepted TOTP step only if it is later than the last one: the
 * condition in the UPDATE makes a replay lose even against a concurrent use.
 */
export async function advanceTotpStep(trx: Trx, id: string, step: number): Promise<boolean> {
  const result = await trx
    .updateTable("app_user")
    .set({ totp_last_step: step })
    .where("id", "=", id)
    .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", String(step) as never)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function replaceRecoveryCodes(trx: Trx, tenantId: string, userId: string, hashes: string[]): Promise<void> {
  await trx.deleteFrom("recovery_code").where("user_id", "=", userId).execute();
  await trx
    .insertInto("recovery_code")
    .values(hashes.map((code_hash) => ({ tenant_id: tenantId, user_id: userId, code_hash, used_at: null })))
    .execute();
}

export function unusedRecoveryCodes(trx: Trx, userId: string): Promise<{ code_hash: string }[]> {
  return trx.selectFrom("recovery_code").select("code_hash").where("user_id", "=", userId).where("used_at", "is", null).execute();
}

export async function spendRecoveryCode(trx: Trx, userId: string, codeHash: string): Promise<boolean> {
  const result = await trx
    .updateTable("recovery_code")
    .set({ used_at: sql`now()` })
    .where("user_id", "=", userId)
    .where("code_hash", "=", codeHash)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Erasure: destroys the user's key (every copy of the encrypted fields,
 * backups included, becomes unreadable), clears credentials and keeps a
 * tombstone row (id, tenant, state) for the audit trail.
 */
export async function eraseUser(trx: Trx, cipher: FieldCipher, row: UserRow): Promise<void> {
  await cipher.shred(trx, row.tenant_id, userScope(row.id));
  await trx.deleteFrom("recovery_code").where("user_id", "=", row.id).execute();
  await updateUser(trx, row.id, {
    username: `deleted-${row.id}`,
    display_name_enc: null,
    email_enc: null,
    roles: [],
    state: "deleted",
    password_hash: null,
    totp_secret_enc: null,
    totp_pending_secret_enc: null,
    manager_id: null,
  });
}
