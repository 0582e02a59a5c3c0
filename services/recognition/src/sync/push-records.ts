import { recordAudit, type AuditActor } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { Code, RpcError } from "@switchboard/rpc";
import type { RecognitionDeps } from "../deps.js";
import { checkExternalId, checkRecord, encodePayload, type CheckedRecord, type IncomingRecord } from "../domain/sync-record.js";
import { lockDataSource } from "../store/data-sources.js";
import { contentInput, payloadAad, recordKeyInput, sourceScope } from "../store/record-crypto.js";
import { deleteRecords, storedContentHashes, writeRecords, type SealedRecord } from "../store/records.js";
import { claimBatch, findBatch, lockSync, type SyncBatchRow } from "../store/syncs.js";
import { findDefaultRegion } from "../store/tenant-settings.js";
import { assertOpen } from "./sync-errors.js";

export interface PushBatch {
  syncId: string;
  batchId: string;
  upserts: IncomingRecord[];
  deletes: string[];
}

export interface PushResult {
  accepted: number;
  rejected: { externalId: string; reason: string }[];
  replayed: boolean;
}

const replay = (batch: SyncBatchRow): PushResult => ({ accepted: batch.accepted, rejected: batch.rejected, replayed: true });

/**
 * Applies one batch: checks every record (a bad one is rejected with its
 * reason, the rest go on), skips records whose content is unchanged without
 * decrypting anything, writes the rest in one statement per table, and
 * forgets the cache entries of every number that changed. A retried batch id
 * gets its first answer back and writes nothing.
 */
export async function pushRecords(deps: RecognitionDeps, tenantId: string, actor: AuditActor, batch: PushBatch): Promise<PushResult> {
  const { result, changedIndexes } = await withTenant(deps.db, tenantId, async (trx) => {
    const sync = assertOpen(await lockSync(trx, batch.syncId, "share"), batch.syncId);
    const earlier = await findBatch(trx, sync.id, batch.batchId);
    if (earlier) return { result: replay(earlier), changedIndexes: [] };
    const source = await lockDataSource(trx, sync.source_id);
    if (!source) throw new RpcError(Code.NotFound, "the data source of this sync was deleted");
    const region = await findDefaultRegion(trx);
    const config = { displayFields: source.display_fields, scriptFields: source.script_fields };

    const rejected: PushResult["rejected"] = [];
    const checked: CheckedRecord[] = [];
    const ids = new Set<string>();
    for (const incoming of batch.upserts) {
      if (ids.has(incoming.externalId)) {
        rejected.push({ externalId: incoming.externalId, reason: "external_id appears twice in this batch: send each record once" });
        continue;
      }
      ids.add(incoming.externalId);
      const check = checkRecord(incoming, config, region);
      if (check.ok) checked.push(check.record);
      else rejected.push({ externalId: incoming.externalId, reason: check.reason });
    }
    const deletes: string[] = [];
    for (const externalId of new Set(batch.deletes)) {
      const problem = checkExternalId(externalId) ?? (ids.has(externalId) ? "external_id is both upserted and deleted in this batch" : undefined);
      if (problem) rejected.push({ externalId, reason: problem });
      else deletes.push(externalId);
    }

    // The keys are resolved once per batch, not once per value: a blind index
    // or a seal is then a local computation. The first use of a tenant's index
    // key may create it, here, once.
    const indexer = checked.length + deletes.length > 0 ? await deps.keyring.indexer(trx, tenantId) : undefined;
    const keys: Buffer[] = [];
    const hashes: Buffer[] = [];
    const deleteKeys: Buffer[] = [];
    const changed: SealedRecord[] = [];
    const replacing: Buffer[] = [];
    let stored = new Map<string, Buffer>();
    if (indexer) {
      try {
        for (const record of checked) {
          keys.push(indexer.index(recordKeyInput(source.id, record.externalId)));
          hashes.push(indexer.index(contentInput(source.id, record.canonical)));
        }
        for (const externalId of deletes) deleteKeys.push(indexer.index(recordKeyInput(source.id, externalId)));
        stored = await storedContentHashes(trx, tenantId, source.id, [...keys, ...deleteKeys]);
        const toSeal: number[] = [];
        for (const [i, key] of keys.entries()) {
          const before = stored.get(key.toString("hex"));
          if (before?.equals(hashes[i]!)) continue;
          if (before) replacing.push(key);
          toSeal.push(i);
        }
        if (toSeal.length > 0) {
          const sealer = await deps.keyring.sealer(trx, tenantId, sourceScope(source.id));
          try {
            for (const i of toSeal) {
              const record = checked[i]!;
              changed.push({
                recordKey: keys[i]!,
                contentHash: hashes[i]!,
                payload: sealer.seal(encodePayload(record), payloadAad(source.id, keys[i]!)),
                numberIndexes: record.numbers.map((number) => indexer.index(number)),
              });
            }
          } finally {
            sealer.close();
          }
        }
      } finally {
        indexer.close();
      }
    }

    const accepted = checked.length + deletes.length;
    const claimed = await claimBatch(trx, {
      tenantId,
      syncId: sync.id,
      batchId: batch.batchId,
      seen: sync.full ? keys : [],
      upserted: changed.length,
      unchanged: checked.length - changed.length,
      deleted: deleteKeys.filter((key) => stored.has(key.toString("hex"))).length,
      accepted,
      rejected,
    });
    if (!claimed) {
      // A concurrent attempt of this batch committed first: answer as it did.
      const first = await findBatch(trx, sync.id, batch.batchId);
      return { result: replay(first!), changedIndexes: [] };
    }

    const replaced = await writeRecords(trx, tenantId, source.id, changed, replacing);
    const removed = await deleteRecords(trx, tenantId, source.id, deleteKeys.filter((key) => stored.has(key.toString("hex"))));
    if (changed.length > 0 || removed.deleted > 0) {
      await recordAudit(trx, {
        tenantId,
        actor,
        action: "recognition.records.synced",
        resource: { type: "data_source", id: source.id },
        personalData: ["contact"],
        details: { syncId: sync.id, batchId: batch.batchId, upserted: changed.length, deleted: removed.deleted, rejected: rejected.length },
      });
    }
    return {
      result: { accepted, rejected, replayed: false },
      changedIndexes: [...replaced, ...changed.flatMap((r) => r.numberIndexes), ...removed.numberIndexes],
    };
  });

  if (changedIndexes.length > 0) {
    await deps.cache.invalidate(tenantId, changedIndexes).catch((error: Error) => {
      // The entries expire within CACHE_TTL; until then a lookup may show the old record.
      deps.log.error({ event: "sync.cache_invalidation_failed", tenantId, numbers: changedIndexes.length, reason: error.message }, "could not invalidate cache entries after a sync batch");
    });
  }
  return result;
}
