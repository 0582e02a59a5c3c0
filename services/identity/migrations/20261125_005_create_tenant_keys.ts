import { createTenantKeysTable } from "@switchboard/crypto";
import type { Kysely } from "kysely";

// The keys that encrypt users' personal fields and TOTP secrets, wrapped by
// the key-encryption key; one per user so DeleteUser can shred it.
export async function up(db: Kysely<any>): Promise<void> {
  await createTenantKeysTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("tenant_key").execute();
}
