import { enableTenantIsolation } from "@switchboard/db";
import { createOutboxTable } from "@switchboard/events";
import { sql, type Kysely } from "kysely";

// The audit trail is append-only: a trigger refuses UPDATE, DELETE and
// TRUNCATE for every role, the table owner included, and each tenant's
// entries form a hash chain, so what a superuser might still do directly is
// detected by VerifyChain. chain_head serialises appends per tenant.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("audit_entry")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("sequence", "bigint", (col) => col.notNull())
    .addColumn("event_id", "uuid", (col) => col.notNull().unique())
    .addColumn("action", "text", (col) => col.notNull())
    .addColumn("actor_type", "text", (col) => col.notNull())
    .addColumn("actor_id", "text", (col) => col.notNull())
    .addColumn("actor_roles", sql`text[]`, (col) => col.notNull())
    .addColumn("actor_client_address", "text", (col) => col.notNull())
    .addColumn("actor_tenant_id", "text", (col) => col.notNull())
    .addColumn("resource_type", "text", (col) => col.notNull())
    .addColumn("resource_id", "text", (col) => col.notNull())
    .addColumn("personal_data_categories", sql`text[]`, (col) => col.notNull())
    .addColumn("outcome", "text", (col) => col.notNull())
    .addColumn("occurred_at", "text", (col) => col.notNull())
    .addColumn("trace_id", "text", (col) => col.notNull())
    .addColumn("details", "jsonb", (col) => col.notNull())
    .addColumn("hash", "char(64)", (col) => col.notNull())
    .addColumn("recorded_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("audit_entry_pk", ["tenant_id", "sequence"])
    .execute();
  await db.schema.createIndex("audit_entry_recorded").on("audit_entry").columns(["tenant_id", "recorded_at"]).execute();
  await enableTenantIsolation(db, "audit_entry");

  await sql`
    create function audit_entry_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit entries are append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger audit_entry_append_only before update or delete on audit_entry for each row execute function audit_entry_refuse_change()`.execute(db);
  await sql`create trigger audit_entry_no_truncate before truncate on audit_entry for each statement execute function audit_entry_refuse_change()`.execute(db);

  await db.schema
    .createTable("chain_head")
    .addColumn("tenant_id", "uuid", (col) => col.primaryKey())
    .addColumn("sequence", "bigint", (col) => col.notNull())
    .addColumn("hash", "char(64)", (col) => col.notNull())
    .execute();
  await enableTenantIsolation(db, "chain_head");

  // Queries and exports are audited too, through this service's own outbox.
  await createOutboxTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("event_outbox").execute();
  await db.schema.dropTable("chain_head").execute();
  await db.schema.dropTable("audit_entry").execute();
  await sql`drop function audit_entry_refuse_change`.execute(db);
}
