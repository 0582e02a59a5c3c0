import type { Transaction } from "kysely";
import type { TelephonyDatabase } from "./schema.js";

type Trx = Transaction<TelephonyDatabase>;

export async function saveRegion(trx: Trx, tenantId: string, region: string): Promise<void> {
  await trx
    .insertInto("tenant_region")
    .values({ tenant_id: tenantId, default_region: region })
    .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ default_region: region }))
    .execute();
}

/** The organisation's default region, or undefined when identity has not told us yet. */
export async function regionOf(trx: Trx): Promise<string | undefined> {
  const row = await trx.selectFrom("tenant_region").select("default_region").executeTakeFirst();
  return row?.default_region;
}
