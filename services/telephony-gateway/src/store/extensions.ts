import { sql, type Transaction } from "kysely";
import type { TelephonyDatabase } from "./schema.js";

export const EXTENSIONS_CHANGED = "telephony_extensions_changed";

type Trx = Transaction<TelephonyDatabase>;

/** A user has one extension; assigning again moves it. */
export async function assignExtension(trx: Trx, tenantId: string, userId: string, connectionId: string, extension: string): Promise<void> {
  await trx
    .insertInto("extension")
    .values({ tenant_id: tenantId, user_id: userId, connection_id: connectionId, extension })
    .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet({ connection_id: connectionId, extension, updated_at: new Date() }))
    .execute();
  await notifyExtensionsChanged(trx, connectionId);
}

/** Wakes the supervisor holding the connection, which re-reads its extension map (delivered on commit). */
async function notifyExtensionsChanged(trx: Trx, connectionId: string): Promise<void> {
  await sql`select pg_notify(${EXTENSIONS_CHANGED}, ${connectionId})`.execute(trx);
}

/** Removes the user's extension; returns the connection it was on, if any. */
export async function deleteExtensionOfUser(trx: Trx, tenantId: string, userId: string): Promise<string | undefined> {
  const deleted = await trx.deleteFrom("extension").where("tenant_id", "=", tenantId).where("user_id", "=", userId).returning("connection_id").executeTakeFirst();
  if (deleted) await notifyExtensionsChanged(trx, deleted.connection_id);
  return deleted?.connection_id;
}

export function extensionOfUser(trx: Trx, userId: string) {
  return trx.selectFrom("extension").select(["connection_id", "extension"]).where("user_id", "=", userId).executeTakeFirst();
}

/** extension → the users sitting at it, for one connection. */
export async function extensionUsers(trx: Trx, connectionId: string): Promise<Map<string, string[]>> {
  const rows = await trx.selectFrom("extension").select(["extension", "user_id"]).where("connection_id", "=", connectionId).orderBy("user_id").execute();
  const map = new Map<string, string[]>();
  for (const row of rows) map.set(row.extension, [...(map.get(row.extension) ?? []), row.user_id]);
  return map;
}
