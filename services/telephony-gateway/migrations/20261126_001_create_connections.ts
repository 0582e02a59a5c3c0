import { createTenantKeysTable } from "@switchboard/crypto";
import { enableTenantIsolation } from "@switchboard/db";
import { createOutboxTable } from "@switchboard/events";
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // Credentials (user name and secret) are one libs/crypto ciphertext; the
  // live status is written by the replica that holds the connection, so any
  // replica answering ListPbxConnections shows it.
  await db.schema
    .createTable("pbx_connection")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("vendor", "text", (col) => col.notNull())
    .addColumn("host", "text", (col) => col.notNull())
    .addColumn("port", "integer", (col) => col.notNull())
    .addColumn("settings", "jsonb", (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("credentials", "bytea", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull().defaultTo("connecting"))
    .addColumn("last_error", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("status_time", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("pbx_connection_tenant").on("pbx_connection").columns(["tenant_id", "created_at"]).execute();
  await enableTenantIsolation(db, "pbx_connection");

  // Which connections exist, for the supervisors of every replica: they must
  // see all tenants' connections to share them out, which row-level security
  // would hide. Ids only; everything else is read under the tenant.
  await db.schema
    .createTable("connection_directory")
    .addColumn("connection_id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .execute();

  await db.schema
    .createTable("extension")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("user_id", "uuid", (col) => col.notNull())
    .addColumn("connection_id", "uuid", (col) => col.notNull().references("pbx_connection.id").onDelete("cascade"))
    .addColumn("extension", "text", (col) => col.notNull())
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("extension_pk", ["tenant_id", "user_id"])
    .execute();
  await db.schema.createIndex("extension_by_number").on("extension").columns(["connection_id", "extension"]).execute();
  await enableTenantIsolation(db, "extension");

  // Each organisation's default region, learnt from identity's
  // organization.created events: national numbers are read with it.
  await db.schema
    .createTable("tenant_region")
    .addColumn("tenant_id", "uuid", (col) => col.primaryKey())
    .addColumn("default_region", "text", (col) => col.notNull())
    .execute();
  await enableTenantIsolation(db, "tenant_region");

  await createTenantKeysTable(db);
  await createOutboxTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("event_outbox").execute();
  await db.schema.dropTable("tenant_key").execute();
  await db.schema.dropTable("tenant_region").execute();
  await db.schema.dropTable("extension").execute();
  await db.schema.dropTable("connection_directory").execute();
  await db.schema.dropTable("pbx_connection").execute();
}
