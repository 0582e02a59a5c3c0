import { enableTenantIsolation } from "@switchboard/db";
import { sql, type Kysely } from "kysely";

// Functional accounts (e.g. the customer's CRM sync agent). Each names the
// natural person answerable for it; the secret is stored as a SHA-256 hash
// (it is 256 random bits: nothing to guess from the hash).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("service_account")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull().references("organization.id"))
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("description", "text", (col) => col.notNull())
    .addColumn("responsible_user_id", "uuid", (col) => col.notNull().references("app_user.id"))
    .addColumn("roles", sql`text[]`, (col) => col.notNull())
    .addColumn("secret_hash", "text", (col) => col.notNull())
    .addColumn("active", "boolean", (col) => col.notNull().defaultTo(true))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("service_account_name_unique", ["tenant_id", "name"])
    .execute();
  await db.schema.createIndex("service_account_responsible").on("service_account").columns(["responsible_user_id"]).execute();
  await enableTenantIsolation(db, "service_account");
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("service_account").execute();
}
