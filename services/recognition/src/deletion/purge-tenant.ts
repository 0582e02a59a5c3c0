import { recordAudit } from "@switchboard/audit";
import type { Transaction } from "kysely";
import { enqueueEvent } from "@switchboard/events";
import type { RecognitionDeps } from "../deps.js";
import { recognitionEvents } from "../events/recognition-events.js";
import type { RecognitionDatabase } from "../store/schema.js";

/** Every tenant table, children first. */
const tenantTables = ["record_number", "recognition_record", "sync_batch", "sync", "data_source", "tenant_settings"] as const;

/**
 * The organisation's contract ended: destroys all of its recognition data in
 * the caller's tenant-scoped transaction — every row, and every key
 * (crypto-shredded first, so copies in backups stay unreadable). The cache is
 * emptied by `purgeTenantCache` after the commit.
 */
export async function purgeTenantData(deps: RecognitionDeps, trx: Transaction<RecognitionDatabase>, tenantId: string): Promise<{ records: number; sources: number }> {
  const counted = { records: 0, sources: 0 };
  for (const table of tenantTables) {
    const result = await trx.deleteFrom(table).where("tenant_id", "=", tenantId).executeTakeFirst();
    if (table === "recognition_record") counted.records = Number(result.numDeletedRows);
    if (table === "data_source") counted.sources = Number(result.numDeletedRows);
  }
  await deps.keyring.shred(trx, tenantId);
  await trx.deleteFrom("tenant_key").where("tenant_id", "=", tenantId).execute();
  await enqueueEvent(trx, recognitionEvents.tenantPurged, { organizationId: tenantId, recordsDeleted: BigInt(counted.records), dataSourcesDeleted: BigInt(counted.sources) });
  await recordAudit(trx, {
    tenantId,
    actor: { system: "recognition" },
    action: "recognition.tenant.purged",
    resource: { type: "organization", id: tenantId },
    personalData: ["contact"],
    details: { recordsDeleted: counted.records, dataSourcesDeleted: counted.sources },
  });
  deps.regions.forget(tenantId);
  return counted;
}

export async function purgeTenantCache(deps: RecognitionDeps, tenantId: string): Promise<number> {
  return deps.cache.purgeTenant(tenantId);
}
