import type { Transaction } from "kysely";
import type { RecognitionDatabase } from "./schema.js";

type Trx = Transaction<RecognitionDatabase>;

/** The organisation's default region, as identity last announced it; undefined before its event arrived. */
export async function findDefaultRegion(trx: Trx): Promise<string | undefined> {
  const row = await trx.selectFrom("tenant_settings").select("default_region").executeTakeFirst();
  return row?.default_region;
}

export async function saveDefaultRegion(trx: Trx, tenantId: string, region: string): Promise<void> {
  await trx
    .insertInto("tenant_settings")
    .values({ tenant_id: tenantId, default_region: region })
    .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ default_region: region, updated_at: new Date() }))
    .execute();
}
