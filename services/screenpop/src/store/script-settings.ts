import type { Transaction } from "kysely";
import type { ScreenPopDatabase } from "./schema.js";

type Trx = Transaction<ScreenPopDatabase>;

/** The organisation's extra schemes; none (https only) until an admin allows one. */
export async function allowedSchemes(trx: Trx): Promise<string[]> {
  const row = await trx.selectFrom("script_settings").select("allowed_schemes").executeTakeFirst();
  return row?.allowed_schemes ?? [];
}

export async function saveAllowedSchemes(trx: Trx, tenantId: string, schemes: string[]): Promise<void> {
  await trx
    .insertInto("script_settings")
    .values({ tenant_id: tenantId, allowed_schemes: schemes })
    .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ allowed_schemes: schemes, updated_at: new Date() }))
    .execute();
}
