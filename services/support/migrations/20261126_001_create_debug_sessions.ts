import { enableTenantIsolation } from "@switchboard/db";
import { createOutboxTable } from "@switchboard/events";
import { sql, type Kysely } from "kysely";

// debug_session holds the whole session (the reason may name a person) under
// row-level security. debug_session_directory is the only cross-tenant view,
// for support engineers, who work across organisations, and for the expiry
// job: ids, tenant, ticket and times, nothing personal.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("debug_session")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("user_id", "uuid", (col) => col.notNull())
    .addColumn("ticket", "text", (col) => col.notNull())
    .addColumn("reason", "text", (col) => col.notNull())
    .addColumn("level", "text", (col) => col.notNull().check(sql`level in ('debug', 'trace')`))
    .addColumn("started_by", "text", (col) => col.notNull())
    .addColumn("started_at", "timestamptz", (col) => col.notNull())
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("ended_at", "timestamptz")
    .addColumn("end_reason", "text", (col) => col.check(sql`end_reason in ('ended', 'expired', 'erased')`))
    .execute();
  await db.schema.createIndex("debug_session_user").on("debug_session").columns(["tenant_id", "user_id", "started_at"]).execute();
  await enableTenantIsolation(db, "debug_session");

  await db.schema
    .createTable("debug_session_directory")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("ticket", "text", (col) => col.notNull())
    .addColumn("started_at", "timestamptz", (col) => col.notNull())
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("ended_at", "timestamptz")
    // Set once the last purge after the grace period has run: nothing is left to delete.
    .addColumn("purged_at", "timestamptz")
    .execute();
  await db.schema.createIndex("debug_session_directory_ticket").on("debug_session_directory").column("ticket").execute();
  await sql`create index debug_session_directory_open on debug_session_directory (expires_at) where purged_at is null`.execute(db);

  // Audit events leave through the outbox (libs/audit).
  await createOutboxTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("event_outbox").execute();
  await db.schema.dropTable("debug_session_directory").execute();
  await db.schema.dropTable("debug_session").execute();
}
