import { createOutboxTable, createProcessedEventsTable } from "@switchboard/events";
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTable(db);
  await createProcessedEventsTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("processed_event").execute();
  await db.schema.dropTable("event_outbox").execute();
}
