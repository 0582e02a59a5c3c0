import { sql, type Kysely } from "kysely";

/**
 * Grants the runtime role (`<owner>_app`) exactly what the running service
 * needs, after every migration run: the trail's tables INSERT and SELECT
 * only; removal of retained entries only through audit_remove_retained.
 * Returns the role's name, or undefined when it does not exist (a database
 * without one: the service then refuses to start, see main.ts).
 */
export async function grantRuntimePrivileges(db: Kysely<any>): Promise<string | undefined> {
  const { rows } = await sql<{ role: string; exists: boolean }>`
    select current_user || '_app' as role, exists (select 1 from pg_roles where rolname = current_user || '_app') as exists`.execute(db);
  const runtime = rows[0];
  if (!runtime?.exists) return undefined;
  const role = sql.id(runtime.role);
  await db.transaction().execute(async (trx) => {
    await sql`revoke all on all tables in schema public from ${role}`.execute(trx);
    await sql`grant select, insert on audit_entry, audit_checkpoint to ${role}`.execute(trx);
    await sql`grant select, insert, update on chain_head to ${role}`.execute(trx);
    await sql`grant select, insert, update, delete on event_outbox to ${role}`.execute(trx);
    await sql`grant usage, select on all sequences in schema public to ${role}`.execute(trx);
    await sql`grant execute on function audit_remove_retained(uuid, bigint) to ${role}`.execute(trx);
  });
  return runtime.role;
}

/**
 * What the connected role may do to the entries: the service must not run
 * as a role that can rewrite or remove them (the owner, or one granted more).
 */
export async function entryPrivileges(db: Kysely<any>): Promise<{ role: string; owner: boolean; update: boolean; delete: boolean }> {
  const { rows } = await sql<{ role: string; owner: boolean; update: boolean; delete: boolean }>`
    select current_user as role,
           pg_get_userbyid(c.relowner) = current_user as owner,
           has_table_privilege('audit_entry', 'UPDATE') as update,
           has_table_privilege('audit_entry', 'DELETE') as delete
    from pg_class c where c.oid = 'audit_entry'::regclass`.execute(db);
  return rows[0]!;
}
