import { randomUUID } from "node:crypto";
import { withTenant } from "@switchboard/db";
import { Code, RpcError } from "@switchboard/rpc";
import type { RecognitionDeps } from "../deps.js";
import { findDataSource, type DataSourceRow } from "../store/data-sources.js";
import { sourceDigest } from "../store/records.js";
import { latestSync, openSync, syncCounts, type SyncCounts, type SyncRow } from "../store/syncs.js";

export interface BegunSync {
  sync: SyncRow;
  digest: string;
  recordCount: number;
  source: DataSourceRow;
}

/** Opens a sync (superseding one left open) and reports the source's digest as it stands. */
export function beginSync(deps: RecognitionDeps, tenantId: string, sourceId: string, full: boolean): Promise<BegunSync> {
  return withTenant(deps.db, tenantId, async (trx) => {
    const source = await findDataSource(trx, sourceId);
    if (!source) throw new RpcError(Code.NotFound, `no data source with id ${sourceId}`);
    const sync = await openSync(trx, tenantId, sourceId, randomUUID(), full);
    const { digest, count } = await sourceDigest(trx, tenantId, sourceId);
    return { sync, digest, recordCount: count, source };
  });
}

export interface SyncState {
  digest: string;
  recordCount: number;
  latest?: { sync: SyncRow; counts: SyncCounts };
}

export function readSyncState(deps: RecognitionDeps, tenantId: string, sourceId: string): Promise<SyncState> {
  return withTenant(deps.db, tenantId, async (trx) => {
    const source = await findDataSource(trx, sourceId);
    if (!source) throw new RpcError(Code.NotFound, `no data source with id ${sourceId}`);
    const { digest, count } = await sourceDigest(trx, tenantId, sourceId);
    const sync = await latestSync(trx, sourceId);
    return { digest, recordCount: count, latest: sync && { sync, counts: await syncCounts(trx, sync) } };
  });
}
