import type { Kysely } from "kysely";

// input_hash = blind index of a record exactly as the agent sent it (and of
// the region national numbers were read with). A re-sync that sends a record
// byte for byte as before is then recognised as unchanged without reading
// its numbers again, which costs more than the rest of the check together.
// Null until the record is next written; content_hash still decides then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("recognition_record").addColumn("input_hash", "bytea").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("recognition_record").dropColumn("input_hash").execute();
}
