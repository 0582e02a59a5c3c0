import { sql, type Kysely, type Transaction } from "kysely";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws unless `tenantId` is a UUID, the only shape a tenant id takes. */
export function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== "string" || !UUID.test(tenantId)) {
    throw new TypeError(
      `tenant id must be a UUID (got ${JSON.stringify(String(tenantId).slice(0, 40))}): ` +
        "take it from the verified token, never from the request body",
    );
  }
}

/**
 * Sets `app.tenant_id` for the rest of the transaction `trx`, so row-level
 * security policies see only that tenant's rows. Transaction-local
 * (`is_local = true`): the setting cannot leak to the next user of the pooled
 * connection.
 */
export async function setTenant(trx: Transaction<any>, tenantId: string): Promise<void> {
  assertTenantId(tenantId);
  await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
}

/** Runs `work` in a transaction scoped to one tenant for row-level security. */
export async function withTenant<DB, T>(
  db: Kysely<DB>,
  tenantId: string,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  assertTenantId(tenantId);
  return db.transaction().execute(async (trx) => {
    await setTenant(trx as Transaction<any>, tenantId);
    return work(trx);
  });
}
