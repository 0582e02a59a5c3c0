import type { Selectable, Transaction } from "kysely";
import type { IdentityDatabase, ServiceAccountTable } from "./schema.js";

type Trx = Transaction<IdentityDatabase>;
export type ServiceAccountRow = Selectable<ServiceAccountTable>;

export function insertServiceAccount(trx: Trx, account: Omit<ServiceAccountRow, "active" | "created_at">): Promise<ServiceAccountRow | undefined> {
  return trx
    .insertInto("service_account")
    .values(account)
    .onConflict((oc) => oc.constraint("service_account_name_unique").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findServiceAccount(trx: Trx, id: string): Promise<ServiceAccountRow | undefined> {
  return trx.selectFrom("service_account").selectAll().where("id", "=", id).executeTakeFirst();
}

export function listServiceAccounts(trx: Trx, limit: number, afterName: string | undefined): Promise<ServiceAccountRow[]> {
  let query = trx.selectFrom("service_account").selectAll().orderBy("name").limit(limit);
  if (afterName !== undefined) query = query.where("name", ">", afterName);
  return query.execute();
}

/** A responsible person left: every account they answer for stops working. */
export async function deactivateAccountsOf(trx: Trx, userId: string): Promise<number> {
  const result = await trx.updateTable("service_account").set({ active: false }).where("responsible_user_id", "=", userId).where("active", "=", true).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
