import { sql, type Kysely } from "kysely";

// A batch's answer is kept while its sync is open, so a retry gets it back,
// and it names the rejected records by external id. Stored as clear JSON,
// those ids sat in the table for as long as the sync stayed open (for an
// abandoned one, for good). Now the rejections are one AES-GCM payload under
// the source's data key (shredded with the source) and only their number is
// in clear, for the sync's counts. Rows written before keep their JSON
// until their sync ends; the code reads both.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_batch add column rejected_count integer not null default 0`.execute(db);
  await sql`alter table sync_batch add column rejected_sealed bytea`.execute(db);
  await sql`alter table sync_batch alter column rejected drop not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Sealed answers cannot be turned back into JSON here: the batches of open syncs answer a retry with no rejections.
  await sql`update sync_batch set rejected = '[]'::jsonb where rejected is null`.execute(db);
  await sql`alter table sync_batch alter column rejected set not null`.execute(db);
  await sql`alter table sync_batch drop column rejected_sealed`.execute(db);
  await sql`alter table sync_batch drop column rejected_count`.execute(db);
}
