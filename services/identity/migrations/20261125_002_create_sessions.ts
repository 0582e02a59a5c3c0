import { enableTenantIsolation } from "@switchboard/db";
import { sql, type Kysely } from "kysely";

// A session is one sign-in; its refresh tokens form a family. Every refresh
// spends the current token and issues the next one; presenting a spent token
// again means it was stolen, and the whole family (the session) is revoked.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("session")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("user_id", "uuid", (col) => col.notNull().references("app_user.id").onDelete("cascade"))
    .addColumn("amr", sql`text[]`, (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("revoke_reason", "text")
    .execute();
  await db.schema.createIndex("session_user").on("session").columns(["user_id"]).execute();
  await enableTenantIsolation(db, "session");

  await db.schema
    .createTable("refresh_token")
    .addColumn("secret_hash", "text", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("session_id", "uuid", (col) => col.notNull().references("session.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("refresh_token_session").on("refresh_token").columns(["session_id"]).execute();
  await enableTenantIsolation(db, "refresh_token");
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("refresh_token").execute();
  await db.schema.dropTable("session").execute();
}
