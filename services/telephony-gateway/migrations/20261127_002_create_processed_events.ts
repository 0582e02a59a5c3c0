import { createProcessedEventsTable } from "@switchboard/events";
import type { Kysely } from "kysely";

// Markers for processOnce: an organisation's purge or a user's erasure runs
// (and is audited) once however often identity's event is redelivered.
export async function up(db: Kysely<any>): Promise<void> {
  await createProcessedEventsTable(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("processed_event").execute();
}
