import { sql, type Kysely } from "kysely";

/**
 * For a migration: turns on row-level security for a table that has a
 * `tenant_id uuid` column, so a query outside `withTenant` (or for another
 * tenant) sees and writes nothing, even without a WHERE on tenant_id.
 *
 * FORCE makes the policy apply to the table's owner too, and every service
 * connects as the owner of its tables.
 */
export async function enableTenantIsolation(db: Kysely<any>, table: string): Promise<void> {
  const target = sql.table(table);
  // After a transaction-local set_config ends, the setting reads '' rather
  // than NULL on that connection; NULLIF keeps ''::uuid from failing so an
  // unset tenant simply matches no row.
  const currentTenant = sql`nullif(current_setting('app.tenant_id', true), '')::uuid`;
  await sql`alter table ${target} enable row level security`.execute(db);
  await sql`alter table ${target} force row level security`.execute(db);
  await sql`drop policy if exists tenant_isolation on ${target}`.execute(db);
  await sql`create policy tenant_isolation on ${target}
    using (tenant_id = ${currentTenant})
    with check (tenant_id = ${currentTenant})`.execute(db);
}
