import { enableTenantIsolation } from "@switchboard/db";
import { createOutboxTable } from "@switchboard/events";
import { sql, type Kysely } from "kysely";

// Scripts hold no personal data: a template names fields, never their values.
// Pops (which do carry personal data) are never written here: they live in a
// NATS memory stream for the replay window only. Both tables are
// tenant-scoped with row-level security.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("script")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("trigger", "text", (col) => col.notNull().check(sql`trigger in ('recognized', 'unrecognized', 'always')`))
    .addColumn("url_template", "text", (col) => col.notNull())
    .addColumn("data_source_id", "uuid")
    .addColumn("auto_open", "boolean", (col) => col.notNull())
    .addColumn("position", "integer", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("script_name_unique", ["tenant_id", "name"])
    .execute();
  await enableTenantIsolation(db, "script");

  // The organisation's extra URL schemes (https needs no entry).
  await db.schema
    .createTable("script_settings")
    .addColumn("tenant_id", "uuid", (col) => col.primaryKey())
    .addColumn("allowed_schemes", sql`text[]`, (col) => col.notNull())
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await enableTenantIsolation(db, "script_settings");

  await createOutboxTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["event_outbox", "script_settings", "script"]) await db.schema.dropTable(table).execute();
}
