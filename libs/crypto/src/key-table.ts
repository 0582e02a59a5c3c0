import { enableTenantIsolation } from "@switchboard/db";
import { sql, type Generated, type Kysely } from "kysely";
import type { KeyPurpose } from "./key-reference.js";

/** One key version. A destroyed key keeps its row (a tombstone) without the key itself. */
export interface TenantKeyTable {
  tenant_id: string;
  scope: string;
  purpose: KeyPurpose;
  version: number;
  wrapper_id: string;
  /** The data key wrapped by the KEK named in wrapper_id; null once destroyed. */
  wrapped: Buffer | null;
  created_at: Generated<Date>;
  destroyed_at: Date | null;
}

/** Add to a service's kysely Database interface: `interface Database extends TenantKeysDatabase { … }`. */
export interface TenantKeysDatabase {
  tenant_key: TenantKeyTable;
}

/**
 * For a service's migration: creates `tenant_key` with row-level security,
 * so a tenant's transaction sees only that tenant's keys.
 *
 * A second, read-only policy lets `rewrapKeys` list every tenant's wrapped
 * keys when it sets `app.key_rewrap`; the rewrapping itself runs per tenant
 * under the ordinary policy. Wrapped keys are useless without the KEK.
 */
export async function createTenantKeysTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tenant_key")
    .addColumn("tenant_id", "uuid", (col) => col.notNull())
    .addColumn("scope", "text", (col) => col.notNull())
    .addColumn("purpose", "text", (col) => col.notNull().check(sql`purpose in ('data', 'index')`))
    .addColumn("version", "integer", (col) => col.notNull().check(sql`version > 0`))
    .addColumn("wrapper_id", "text", (col) => col.notNull())
    .addColumn("wrapped", "bytea")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("destroyed_at", "timestamptz")
    .addPrimaryKeyConstraint("tenant_key_pkey", ["tenant_id", "scope", "purpose", "version"])
    // A row holds a key or is a tombstone, never both or neither.
    .addCheckConstraint("tenant_key_wrapped_until_destroyed", sql`(wrapped is null) = (destroyed_at is not null)`)
    .execute();
  await enableTenantIsolation(db, "tenant_key");
  await sql`create policy key_rewrap_listing on tenant_key for select
    using (current_setting('app.key_rewrap', true) = 'on')`.execute(db);
}
