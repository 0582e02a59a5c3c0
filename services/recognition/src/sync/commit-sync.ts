import { recordAudit, type AuditActor } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { enqueueEvent } from "@switchboard/events";
import { Code, RpcError } from "@switchboard/rpc";
import type { RecognitionDeps } from "../deps.js";
import { recognitionEvents } from "../events/recognition-events.js";
import { touchLastSync } from "../store/data-sources.js";
import { deleteRecordsNotSeen, sourceDigest } from "../store/records.js";
import { countBatches, lockSync, markCommitted, syncCounts, type SyncCounts, type SyncRow } from "../store/syncs.js";
import { syncExpired } from "./sync-errors.js";

export interface CommittedSync {
  sync: SyncRow;
  counts: SyncCounts;
  digest: string;
  recordCount: number;
}

/**
 * Ends a sync. A full sync deletes every record of the source that none of
 * its batches pushed (and their cache entries). Committing a committed sync
 * again answers the same and changes nothing.
 */
export async function commitSync(deps: RecognitionDeps, tenantId: string, actor: AuditActor, syncId: string): Promise<CommittedSync> {
  const { committed, goneIndexes } = await withTenant(deps.db, tenantId, async (trx) => {
    const sync = await lockSync(trx, syncId, "update");
    if (!sync) throw new RpcError(Code.NotFound, `no sync with id ${syncId}: begin one with BeginSync`);
    if (sync.state === "superseded") throw new RpcError(Code.FailedPrecondition, "a newer BeginSync of this data source replaced this sync: commit the sync it returned");
    if (sync.state === "expired") throw syncExpired();
    if (sync.state === "committed") {
      const { digest, count } = await sourceDigest(trx, tenantId, sync.source_id);
      return { committed: { sync, counts: await syncCounts(trx, sync), digest, recordCount: count }, goneIndexes: [] };
    }
    const gone = sync.full ? await deleteRecordsNotSeen(trx, tenantId, sync.source_id, sync.id) : { deleted: 0, numberIndexes: [] };
    const batches = await countBatches(trx, sync.id);
    const counts = { ...batches, deleted: batches.deleted + gone.deleted };
    const row = await markCommitted(trx, sync.id, counts);
    await touchLastSync(trx, sync.source_id);
    const { digest, count } = await sourceDigest(trx, tenantId, sync.source_id);
    await enqueueEvent(trx, recognitionEvents.syncCommitted, { organizationId: tenantId, dataSourceId: sync.source_id, syncId: sync.id, full: sync.full, ...mapCounts(counts) });
    await recordAudit(trx, {
      tenantId,
      actor,
      action: "recognition.sync.committed",
      resource: { type: "data_source", id: sync.source_id },
      personalData: gone.deleted > 0 ? ["contact"] : [],
      details: { syncId: sync.id, full: sync.full, upserted: counts.upserted, unchanged: counts.unchanged, deleted: counts.deleted, rejected: counts.rejected },
    });
    return { committed: { sync: row, counts, digest, recordCount: count }, goneIndexes: gone.numberIndexes };
  });
  if (goneIndexes.length > 0) {
    await deps.cache.invalidate(tenantId, goneIndexes).catch((error: Error) => {
      deps.log.error({ event: "sync.cache_invalidation_failed", tenantId, numbers: goneIndexes.length, reason: error.message }, "could not invalidate cache entries after a full sync's commit");
    });
  }
  return committed;
}

function mapCounts(counts: SyncCounts) {
  return { upserted: BigInt(counts.upserted), unchanged: BigInt(counts.unchanged), deleted: BigInt(counts.deleted), rejected: BigInt(counts.rejected) };
}
