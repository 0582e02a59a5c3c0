import { sql, type Kysely, type Transaction } from "kysely";
import type { KeyPurpose, KeyReference } from "./key-reference.js";
import type { TenantKeysDatabase } from "./key-table.js";

/** The queries the keyring runs on `tenant_key`, always through the caller's tenant-scoped transaction. */

export interface StoredKey {
  version: number;
  wrapper_id: string;
  wrapped: Buffer | null;
}

const keys = (trx: Transaction<any>) => trx as unknown as Kysely<TenantKeysDatabase>;

export async function findKey(trx: Transaction<any>, ref: KeyReference): Promise<StoredKey | undefined> {
  return keys(trx)
    .selectFrom("tenant_key")
    .select(["version", "wrapper_id", "wrapped"])
    .where("tenant_id", "=", ref.tenantId)
    .where("scope", "=", ref.scope)
    .where("purpose", "=", ref.purpose)
    .where("version", "=", ref.version)
    .executeTakeFirst();
}

/** The highest version of a scope's key, destroyed or not. */
export async function findLatestKey(
  trx: Transaction<any>,
  tenantId: string,
  scope: string,
  purpose: KeyPurpose,
): Promise<StoredKey | undefined> {
  return keys(trx)
    .selectFrom("tenant_key")
    .select(["version", "wrapper_id", "wrapped"])
    .where("tenant_id", "=", tenantId)
    .where("scope", "=", scope)
    .where("purpose", "=", purpose)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
}

/**
 * Inserts a key version unless another transaction already did; true when
 * this insert won. A concurrent inserter of the same version makes this wait
 * for its commit, so afterwards exactly one key exists for the version.
 */
export async function insertKey(
  trx: Transaction<any>,
  ref: KeyReference,
  wrapperId: string,
  wrapped: Buffer,
): Promise<boolean> {
  const inserted = await keys(trx)
    .insertInto("tenant_key")
    .values({
      tenant_id: ref.tenantId,
      scope: ref.scope,
      purpose: ref.purpose,
      version: ref.version,
      wrapper_id: wrapperId,
      wrapped,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "scope", "purpose", "version"]).doNothing())
    .returning("version")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Replaces the wrapped keys of a tenant (or of one of its scopes) by tombstones; returns how many. */
export async function destroyKeys(trx: Transaction<any>, tenantId: string, scope?: string): Promise<number> {
  let query = keys(trx)
    .updateTable("tenant_key")
    .set({ wrapped: null, destroyed_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("destroyed_at", "is", null);
  if (scope !== undefined) query = query.where("scope", "=", scope);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The tenant the transaction is scoped to by withTenant, or undefined. */
export async function readTransactionTenant(trx: Transaction<any>): Promise<string | undefined> {
  const { rows } = await sql<{ tenant: string | null }>`select current_setting('app.tenant_id', true) as tenant`.execute(trx);
  return rows[0]?.tenant || undefined;
}
