import { recordAudit, type AuditActor } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { Code, RpcError } from "@switchboard/rpc";
import type { Transaction } from "kysely";
import type { RecognitionDeps } from "../deps.js";
import { allowedFields } from "../domain/field-config.js";
import { checkExternalId, checkShape, readNumbers, type IncomingRecord, type ShapedRecord } from "../domain/sync-record.js";
import { lockDataSource } from "../store/data-sources.js";
import { batchRejectionsAad, contentInput, inputInput, recordKeyInput, sourceScope } from "../store/record-crypto.js";
import { deleteRecordNumbers, deleteRecords, storedHashes, type StoredHashes } from "../store/records.js";
import type { RecognitionDatabase } from "../store/schema.js";
import { claimBatch, findBatch, lockSync, type SyncBatchRow } from "../store/syncs.js";
import { findDefaultRegion } from "../store/tenant-settings.js";
import { background, sendNow } from "./overlap.js";
import { sealAndWrite, type ChangedRecord } from "./seal-and-write.js";
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

type Trx = Transaction<RecognitionDatabase>;

/** The first attempt's answer, for a retry of the same batch id. */
async function replay(deps: RecognitionDeps, trx: Trx, tenantId: string, sourceId: string, batch: SyncBatchRow): Promise<PushResult> {
  const rejected = batch.rejected_sealed
    ? (JSON.parse(await deps.keyring.decrypt(trx, tenantId, sourceScope(sourceId), batch.rejected_sealed, batchRejectionsAad(batch.sync_id, batch.batch_id))) as PushResult["rejected"])
    : (batch.rejected ?? []);
  return { accepted: batch.accepted, rejected, replayed: true };
}

/** Rejections in the order of the request, whichever check found them. */
class Rejections {
  private readonly found: { at: number; externalId: string; reason: string }[] = [];
  add(at: number, externalId: string, reason: string) {
    this.found.push({ at, externalId, reason });
  }
  list(): PushResult["rejected"] {
    return this.found.sort((a, b) => a.at - b.at).map(({ externalId, reason }) => ({ externalId, reason }));
  }
}

/**
 * Applies one batch in one transaction: checks every record (a bad one is
 * rejected with its reason, the rest go on), skips records sent exactly as
 * before or with unchanged content without decrypting anything, seals and
 * writes the rest, and
 * forgets the cache entries of every number that changed. A retried batch id
 * gets its first answer back and writes nothing. What each step costs is in
 * the README (Sync: what ingest costs).
 */
export async function pushRecords(deps: RecognitionDeps, tenantId: string, actor: AuditActor, batch: PushBatch): Promise<PushResult> {
  const { result, changedIndexes } = await withTenant(deps.db, tenantId, async (trx) => {
    const sync = assertOpen(await lockSync(trx, batch.syncId, "share"), batch.syncId);
    const earlier = await findBatch(trx, sync.id, batch.batchId);
    if (earlier) return { result: await replay(deps, trx, tenantId, sync.source_id, earlier), changedIndexes: [] };
    const source = await lockDataSource(trx, sync.source_id);
    if (!source) throw new RpcError(Code.NotFound, "the data source of this sync was deleted");
    const region = await findDefaultRegion(trx);
    const allowed = allowedFields({ displayFields: source.display_fields, scriptFields: source.script_fields });

    const rejected = new Rejections();
    const shaped: { at: number; record: ShapedRecord }[] = [];
    const ids = new Set<string>();
    for (const [at, incoming] of batch.upserts.entries()) {
      if (ids.has(incoming.externalId)) {
        rejected.add(at, incoming.externalId, "external_id appears twice in this batch: send each record once");
        continue;
      }
      ids.add(incoming.externalId);
      const check = checkShape(incoming, allowed);
      if (check.ok) shaped.push({ at, record: check.record });
      else rejected.add(at, incoming.externalId, check.reason);
    }
    const deletes: string[] = [];
    for (const externalId of new Set(batch.deletes)) {
      const problem = checkExternalId(externalId) ?? (ids.has(externalId) ? "external_id is both upserted and deleted in this batch" : undefined);
      if (problem) rejected.add(batch.upserts.length, externalId, problem);
      else deletes.push(externalId);
    }

    const unchanged: Buffer[] = [];
    const changed: ChangedRecord[] = [];
    let deleteKeys: Buffer[] = [];
    let stored: (StoredHashes | undefined)[] = [];
    // The index key is resolved once for the batch (and created here on the
    // tenant's first sync); every blind index after that is a local HMAC.
    const indexer = shaped.length + deletes.length > 0 ? await deps.keyring.indexer(trx, tenantId) : undefined;
    try {
      if (indexer) {
        const keys = shaped.map(({ record }) => indexer.index(recordKeyInput(source.id, record.externalId)));
        deleteKeys = deletes.map((externalId) => indexer.index(recordKeyInput(source.id, externalId)));
        // Postgres looks up what it holds while the input hashes are computed here.
        const lookup = background(storedHashes(trx, tenantId, source.id, [...keys, ...deleteKeys]));
        await sendNow();
        const inputs = shaped.map(({ record }) => indexer.index(inputInput(source.id, region, record.input)));
        stored = await lookup;
        for (const [i, { at, record }] of shaped.entries()) {
          const key = keys[i]!;
          const before = stored[i];
          // Sent exactly as last time: unchanged, without reading its numbers again.
          if (before?.inputHash?.equals(inputs[i]!)) {
            unchanged.push(key);
            continue;
          }
          const read = readNumbers(record, region);
          if (!read.ok) {
            rejected.add(at, record.externalId, read.reason);
            continue;
          }
          const hash = indexer.index(contentInput(source.id, read.record.canonical));
          // Formatted differently, same content: still nothing to write.
          if (before?.contentHash.equals(hash)) {
            unchanged.push(key);
            continue;
          }
          changed.push({ record: read.record, key, hash, inputHash: inputs[i]!, replacing: before !== undefined });
        }
      }

      const replacing = changed.filter((c) => c.replacing).map((c) => c.key);
      const existing = deleteKeys.filter((_, i) => stored[shaped.length + i] !== undefined);
      const accepted = unchanged.length + changed.length + deletes.length;
      const rejections = rejected.list();
      // Kept for retries while the sync is open, and naming records by external id: sealed, never in clear.
      const rejectedSealed = rejections.length > 0 ? await deps.keyring.encrypt(trx, tenantId, sourceScope(source.id), JSON.stringify(rejections), batchRejectionsAad(sync.id, batch.batchId)) : null;
      const claimed = await claimBatch(trx, {
        tenantId,
        syncId: sync.id,
        batchId: batch.batchId,
        seen: sync.full ? [...unchanged, ...changed.map((c) => c.key)] : [],
        upserted: changed.length,
        unchanged: unchanged.length,
        deleted: existing.length,
        accepted,
        rejectedCount: rejections.length,
        rejectedSealed,
      });
      if (!claimed) {
        // A concurrent attempt of this batch committed first: answer as it did.
        const first = await findBatch(trx, sync.id, batch.batchId);
        return { result: await replay(deps, trx, tenantId, sync.source_id, first!), changedIndexes: [] };
      }

      const replaced = await deleteRecordNumbers(trx, tenantId, source.id, replacing);
      const written = indexer && changed.length > 0 ? await sealAndWrite(deps, trx, { tenantId, sourceId: source.id, indexer }, changed) : [];
      const removed = await deleteRecords(trx, tenantId, source.id, existing);
      if (changed.length > 0 || removed.deleted > 0) {
        await recordAudit(trx, {
          tenantId,
          actor,
          action: "recognition.records.synced",
          resource: { type: "data_source", id: source.id },
          personalData: ["contact"],
          details: { syncId: sync.id, batchId: batch.batchId, upserted: changed.length, deleted: removed.deleted, rejected: rejections.length },
        });
      }
      return {
        result: { accepted, rejected: rejections, replayed: false },
        changedIndexes: [...replaced, ...written, ...removed.numberIndexes],
      };
    } finally {
      indexer?.close();
    }
  });

  if (changedIndexes.length > 0) {
    await deps.cache.invalidate(tenantId, changedIndexes).catch((error: Error) => {
      // The entries expire within CACHE_TTL; until then a lookup may show the old record.
      deps.log.error({ event: "sync.cache_invalidation_failed", tenantId, numbers: changedIndexes.length, reason: error.message }, "could not invalidate cache entries after a sync batch");
    });
  }
  return result;
}
