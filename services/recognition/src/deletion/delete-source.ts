import { recordAudit, type AuditActor } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { enqueueEvent } from "@switchboard/events";
import { Code, RpcError } from "@switchboard/rpc";
import type { RecognitionDeps } from "../deps.js";
import { recognitionEvents } from "../events/recognition-events.js";
import { deleteDataSourceRow, lockDataSource } from "../store/data-sources.js";
import { sourceScope } from "../store/record-crypto.js";
import { deleteSourceRecords } from "../store/records.js";

/**
 * Deletes a source within the request: its records, syncs and batches, its
 * data key (crypto-shredded, then the tombstone removed), and — once that has
 * committed — the cache entries of every number it had. Should Redis fail at
 * that moment, what stays cached is ciphertext under a destroyed key: a hit
 * on it finds the key gone and drops the entry.
 */
export async function deleteDataSource(deps: RecognitionDeps, tenantId: string, actor: AuditActor, sourceId: string): Promise<number> {
  const { deleted, numberIndexes } = await withTenant(deps.db, tenantId, async (trx) => {
    const source = await lockDataSource(trx, sourceId);
    if (!source) throw new RpcError(Code.NotFound, `no data source with id ${sourceId}`);
    const records = await deleteSourceRecords(trx, tenantId, sourceId);
    await deleteDataSourceRow(trx, sourceId); // syncs and their batches cascade
    await deps.keyring.shred(trx, tenantId, sourceScope(sourceId));
    await trx.deleteFrom("tenant_key").where("scope", "=", sourceScope(sourceId)).execute();
    await enqueueEvent(trx, recognitionEvents.dataSourceDeleted, { organizationId: tenantId, dataSourceId: sourceId, recordsDeleted: BigInt(records.deleted) });
    await recordAudit(trx, {
      tenantId,
      actor,
      action: "recognition.data_source.deleted",
      resource: { type: "data_source", id: sourceId },
      personalData: records.deleted > 0 ? ["contact"] : [],
      details: { recordsDeleted: records.deleted },
    });
    return records;
  });
  await deps.cache.remove(tenantId, numberIndexes).catch((error: Error) => {
    deps.log.error({ event: "data_source.cache_removal_failed", tenantId, dataSourceId: sourceId, reason: error.message }, "could not delete a deleted source's cache entries; they are unreadable (key destroyed) and expire with CACHE_TTL");
  });
  return deleted;
}
