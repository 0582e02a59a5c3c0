import { sql, type Kysely } from "kysely";

// A sync the agent abandoned for good (never committed, never superseded by a
// new BeginSync) kept its batches until the source was deleted: the record
// keys it saw and its sealed rejections. Such syncs now expire (state
// 'expired', batches deleted) once open longer than SYNC_MAX_OPEN.
//
// Finding them is a cross-tenant question, and every recognition table is
// under row-level security. open_sync is the one table outside it, as
// support's debug_session_directory is: a sync id, its tenant and when it
// began, nothing about any record. A row lives while its sync is open.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sync drop constraint sync_state_check`.execute(db);
  await sql`alter table sync add constraint sync_state_check check (state in ('open', 'committed', 'superseded', 'expired'))`.execute(db);
  await sql`
    create table open_sync (
      sync_id uuid primary key references sync (id) on delete cascade,
      tenant_id uuid not null,
      began_at timestamptz not null
    )`.execute(db);
  await sql`create index open_sync_began_at on open_sync (began_at)`.execute(db);
  // Syncs open before this migration: sync forces row-level security on its
  // owner, this migration's role, so it is lifted for this one read (the
  // migration runs in one transaction; nothing else sees it lifted).
  await sql`alter table sync no force row level security`.execute(db);
  await sql`insert into open_sync (sync_id, tenant_id, began_at) select id, tenant_id, began_at from sync where state = 'open'`.execute(db);
  await sql`alter table sync force row level security`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table open_sync`.execute(db);
  await sql`alter table sync no force row level security`.execute(db);
  await sql`update sync set state = 'superseded' where state = 'expired'`.execute(db);
  await sql`alter table sync force row level security`.execute(db);
  await sql`alter table sync drop constraint sync_state_check`.execute(db);
  await sql`alter table sync add constraint sync_state_check check (state in ('open', 'committed', 'superseded'))`.execute(db);
}
