import { sql, type Generated, type Kysely } from "kysely";
import type { TraceHeaders } from "./trace-headers.js";

/** kysely types of the tables this library owns in a service's database. */
export type EventTables = {
  event_outbox: {
    id: Generated<string>;
    msg_id: string;
    subject: string;
    payload: Uint8Array;
    headers: TraceHeaders;
    created_at: Generated<Date>;
  };
  processed_event: {
    consumer: string;
    msg_id: string;
    processed_at: Generated<Date>;
  };
};

/** For one of the service's own migrations: the table `enqueueEvent` writes and the relay drains. */
export async function createOutboxTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("event_outbox")
    .addColumn("id", "bigserial", (col) => col.primaryKey())
    .addColumn("msg_id", "uuid", (col) => col.notNull().unique())
    .addColumn("subject", "text", (col) => col.notNull())
    .addColumn("payload", "bytea", (col) => col.notNull())
    .addColumn("headers", "jsonb", (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

/** For one of the service's own migrations: the markers `processOnce` uses to skip repeats. */
export async function createProcessedEventsTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("processed_event")
    .addColumn("consumer", "text", (col) => col.notNull())
    .addColumn("msg_id", "text", (col) => col.notNull())
    .addColumn("processed_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("processed_event_pkey", ["consumer", "msg_id"])
    .execute();
}
