import { SyncService } from "@switchboard/proto/switchboard/recognition/v1/sync_pb";
import { maxLength, registerService, required, uuid, violations, type ServiceImpl } from "@switchboard/rpc";
import type { RecognitionDeps } from "../deps.js";
import { beginSync, readSyncState } from "../sync/begin-sync.js";
import { commitSync } from "../sync/commit-sync.js";
import { pushRecords } from "../sync/push-records.js";
import { auditActor, callerOf } from "./caller.js";
import { toDataSource, toSync } from "./mapping.js";

/** Upserts and deletes together in one PushRecords call. */
export const MAX_BATCH = 1_000;

export function syncHandlers(deps: RecognitionDeps): ServiceImpl<typeof SyncService> {
  return {
    async beginSync(request, context) {
      const { tenantId } = callerOf(context);
      const begun = await beginSync(deps, tenantId, request.dataSourceId, request.full);
      return { syncId: begun.sync.id, digest: begun.digest, recordCount: BigInt(begun.recordCount), dataSource: toDataSource(begun.source) };
    },

    async pushRecords(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      return pushRecords(deps, tenantId, actor, {
        syncId: request.syncId,
        batchId: request.batchId,
        upserts: request.upserts.map((r) => ({ externalId: r.externalId, phoneNumbers: r.phoneNumbers, fields: r.fields })),
        deletes: request.deletes,
      });
    },

    async commitSync(request, context) {
      const actor = auditActor(context);
      const { tenantId } = callerOf(context);
      const committed = await commitSync(deps, tenantId, actor, request.syncId);
      return { sync: toSync(committed.sync, committed.counts), digest: committed.digest, recordCount: BigInt(committed.recordCount) };
    },

    async getSyncState(request, context) {
      const { tenantId } = callerOf(context);
      const state = await readSyncState(deps, tenantId, request.dataSourceId);
      return { digest: state.digest, recordCount: BigInt(state.recordCount), latestSync: state.latest && toSync(state.latest.sync, state.latest.counts) };
    },
  };
}

export function syncService(deps: RecognitionDeps) {
  return registerService(SyncService, syncHandlers(deps), {
    validate: {
      beginSync: (r) => violations(uuid(r.dataSourceId, "data_source_id")),
      pushRecords: (r) =>
        violations(
          uuid(r.syncId, "sync_id"),
          required(r.batchId, "batch_id") ?? maxLength(r.batchId, 64, "batch_id"),
          r.upserts.length + r.deletes.length > MAX_BATCH ? { field: "upserts", description: `a batch holds at most ${MAX_BATCH} upserts and deletes together (got ${r.upserts.length + r.deletes.length}): split it` } : undefined,
        ),
      commitSync: (r) => violations(uuid(r.syncId, "sync_id")),
      getSyncState: (r) => violations(uuid(r.dataSourceId, "data_source_id")),
    },
  });
}
