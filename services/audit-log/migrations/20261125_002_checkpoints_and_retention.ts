import { enableTenantIsolation } from "@switchboard/db";
import { sql, type Kysely } from "kysely";

// Signed checkpoints, and retention that removes only what a signed
// retention checkpoint covers.
//
// - audit_checkpoint: (tenant, sequence, hash) signed with Ed25519, append-only
//   like the entries. A periodic checkpoint makes truncating the newest
//   entries detectable; a retention checkpoint is the chain's new starting
//   point once the entries up to it are removed.
// - The append-only trigger now lets a DELETE through for an entry at or
//   below the tenant's newest retention checkpoint, and nothing else.
// - audit_remove_retained(tenant, through): the one way the runtime role
//   (which holds INSERT and SELECT only) removes entries; it runs with the
//   owner's rights and refuses a range no retention checkpoint covers.
// - chain_head may be listed across tenants when a transaction says so
//   (app.scope = 'all_tenants'): the scheduled jobs walk every tenant. A
//   chain head holds a count and a hash, no personal data.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("audit_checkpoint")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("kind", "text", (col) => col.notNull().check(sql`kind in ('periodic', 'retention')`))
    .addColumn("sequence", "bigint", (col) => col.notNull())
    .addColumn("hash", "char(64)", (col) => col.notNull())
    .addColumn("signed_at", "text", (col) => col.notNull())
    .addColumn("key_id", "text", (col) => col.notNull())
    .addColumn("public_key", "bytea", (col) => col.notNull())
    .addColumn("signature", "bytea", (col) => col.notNull())
    .addColumn("removed_entries", "bigint", (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("audit_checkpoint_pk", ["tenant_id", "kind", "sequence"])
    .execute();
  await enableTenantIsolation(db, "audit_checkpoint");
  await sql`
    create function audit_checkpoint_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit checkpoints are append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger audit_checkpoint_append_only before update or delete on audit_checkpoint for each row execute function audit_checkpoint_refuse_change()`.execute(db);
  await sql`create trigger audit_checkpoint_no_truncate before truncate on audit_checkpoint for each statement execute function audit_checkpoint_refuse_change()`.execute(db);

  await sql`
    create or replace function audit_entry_refuse_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and old.sequence <= coalesce(
        (select max(c.sequence) from audit_checkpoint c where c.tenant_id = old.tenant_id and c.kind = 'retention'), 0) then
        return old;
      end if;
      raise exception 'audit entries are append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);

  await sql`
    create function audit_remove_retained(p_tenant uuid, p_through bigint) returns bigint
    language plpgsql security definer set search_path = public, pg_temp as $$
    declare
      covered bigint;
      removed bigint;
    begin
      select coalesce(max(sequence), 0) into covered from audit_checkpoint where tenant_id = p_tenant and kind = 'retention';
      if p_through > covered then
        raise exception 'entries through % are not covered by a signed retention checkpoint (it covers through %)', p_through, covered
          using errcode = 'insufficient_privilege';
      end if;
      delete from audit_entry where tenant_id = p_tenant and sequence <= p_through;
      get diagnostics removed = row_count;
      return removed;
    end $$`.execute(db);
  await sql`revoke all on function audit_remove_retained(uuid, bigint) from public`.execute(db);

  await sql`create policy all_tenants_listing on chain_head for select using (current_setting('app.scope', true) = 'all_tenants')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop policy all_tenants_listing on chain_head`.execute(db);
  await sql`drop function audit_remove_retained(uuid, bigint)`.execute(db);
  await sql`
    create or replace function audit_entry_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit entries are append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await db.schema.dropTable("audit_checkpoint").execute();
  await sql`drop function audit_checkpoint_refuse_change`.execute(db);
}
