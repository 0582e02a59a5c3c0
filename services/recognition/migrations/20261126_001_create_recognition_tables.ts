import { createTenantKeysTable } from "@switchboard/crypto";
import { enableTenantIsolation } from "@switchboard/db";
import { createOutboxTable, createProcessedEventsTable } from "@switchboard/events";
import { sql, type Kysely } from "kysely";

// Recognition data holds no personal value in clear: a record's external id,
// numbers and fields are one AES-GCM payload under the source's data key, and
// records are found by blind indexes (HMAC-SHA256 under the tenant's index
// key) of the external id and of each E.164 number. Every table is
// tenant-scoped with row-level security.
export async function up(db: Kysely<any>): Promise<void> {
  // What recognition knows of each organisation, from identity's events.
  await db.schema
    .createTable("tenant_settings")
    .addColumn("tenant_id", "uuid", (col) => col.primaryKey())
    .addColumn("default_region", "text", (col) => col.notNull())
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await enableTenantIsolation(db, "tenant_settings");

  await db.schema
    .createTable("data_source")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("display_fields", sql`text[]`, (col) => col.notNull())
    .addColumn("script_fields", sql`text[]`, (col) => col.notNull())
    .addColumn("priority", "integer", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("last_sync_at", "timestamptz")
    .addUniqueConstraint("data_source_name_unique", ["tenant_id", "name"])
    .execute();
  await enableTenantIsolation(db, "data_source");

  // No foreign keys on the two record tables: a per-row FK check would cost
  // sync ingest a fifth of its speed, and deleting a source deletes its
  // records explicitly (it needs their number indexes for the cache anyway).
  //
  // One row per CRM record. record_key = blind index of "<source id>:<external id>";
  // content_hash = blind index of the record's canonical content, so an
  // unchanged upsert is recognised without decrypting and writes nothing.
  await db.schema
    .createTable("recognition_record")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("source_id", "uuid", (col) => col.notNull())
    .addColumn("record_key", "bytea", (col) => col.notNull())
    .addColumn("content_hash", "bytea", (col) => col.notNull())
    .addColumn("payload", "bytea", (col) => col.notNull())
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("recognition_record_pkey", ["tenant_id", "source_id", "record_key"])
    .execute();
  await enableTenantIsolation(db, "recognition_record");

  // Each record's numbers, by blind index only: what a lookup searches.
  await db.schema
    .createTable("record_number")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("source_id", "uuid", (col) => col.notNull())
    .addColumn("record_key", "bytea", (col) => col.notNull())
    .addColumn("number_index", "bytea", (col) => col.notNull())
    .addPrimaryKeyConstraint("record_number_pkey", ["tenant_id", "source_id", "record_key", "number_index"])
    .execute();
  await db.schema.createIndex("record_number_lookup").on("record_number").columns(["tenant_id", "number_index"]).execute();
  await enableTenantIsolation(db, "record_number");

  await db.schema
    .createTable("sync")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("source_id", "uuid", (col) => col.notNull().references("data_source.id").onDelete("cascade"))
    .addColumn("full", "boolean", (col) => col.notNull())
    .addColumn("state", "text", (col) => col.notNull().check(sql`state in ('open', 'committed', 'superseded')`))
    .addColumn("began_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("committed_at", "timestamptz")
    // The counts, summed from the batches at commit (the batches go then).
    .addColumn("batches", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("upserted", "bigint", (col) => col.notNull().defaultTo(0))
    .addColumn("unchanged", "bigint", (col) => col.notNull().defaultTo(0))
    .addColumn("deleted", "bigint", (col) => col.notNull().defaultTo(0))
    .addColumn("rejected", "bigint", (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("sync_by_source").on("sync").columns(["tenant_id", "source_id", "began_at"]).execute();
  await enableTenantIsolation(db, "sync");

  // One row per batch of an open sync: its answer (for a retry), its counts,
  // and the record keys a full sync keeps at commit.
  await db.schema
    .createTable("sync_batch")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("sync_id", "uuid", (col) => col.notNull().references("sync.id").onDelete("cascade"))
    .addColumn("batch_id", "text", (col) => col.notNull())
    .addColumn("seen", sql`bytea[]`, (col) => col.notNull())
    .addColumn("upserted", "integer", (col) => col.notNull())
    .addColumn("unchanged", "integer", (col) => col.notNull())
    .addColumn("deleted", "integer", (col) => col.notNull())
    .addColumn("rejected", "jsonb", (col) => col.notNull())
    .addColumn("accepted", "integer", (col) => col.notNull())
    .addPrimaryKeyConstraint("sync_batch_pkey", ["sync_id", "batch_id"])
    .execute();
  await enableTenantIsolation(db, "sync_batch");

  await createTenantKeysTable(db);
  await createOutboxTable(db);
  await createProcessedEventsTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["processed_event", "event_outbox", "tenant_key", "sync_batch", "sync", "record_number", "recognition_record", "data_source", "tenant_settings"]) {
    await db.schema.dropTable(table).execute();
  }
}
