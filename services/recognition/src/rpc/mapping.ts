import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DataSourceSchema, SyncSchema, SyncState, type DataSource, type Sync } from "@switchboard/proto/switchboard/recognition/v1/resources_pb";
import type { DataSourceRow } from "../store/data-sources.js";
import type { SyncCounts, SyncRow } from "../store/syncs.js";

export function toDataSource(row: DataSourceRow): DataSource {
  return create(DataSourceSchema, {
    id: row.id,
    name: row.name,
    displayFields: row.display_fields,
    scriptFields: row.script_fields,
    priority: row.priority,
    recordCount: BigInt(row.record_count),
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
    lastSyncTime: row.last_sync_at ? timestampFromDate(row.last_sync_at) : undefined,
  });
}

const states = { open: SyncState.OPEN, committed: SyncState.COMMITTED, superseded: SyncState.SUPERSEDED, expired: SyncState.EXPIRED } as const;

export function toSync(row: SyncRow, counts: SyncCounts): Sync {
  return create(SyncSchema, {
    id: row.id,
    dataSourceId: row.source_id,
    full: row.full,
    state: states[row.state],
    batches: counts.batches,
    upserted: BigInt(counts.upserted),
    unchanged: BigInt(counts.unchanged),
    deleted: BigInt(counts.deleted),
    rejected: BigInt(counts.rejected),
    beginTime: timestampFromDate(row.began_at),
    commitTime: row.committed_at ? timestampFromDate(row.committed_at) : undefined,
  });
}

export const pageToken = {
  encode: (lastKey: string | undefined) => (lastKey === undefined ? "" : Buffer.from(lastKey).toString("base64url")),
  decode: (token: string) => (token === "" ? undefined : Buffer.from(token, "base64url").toString()),
};

export function pageSize(requested: number): number {
  return requested <= 0 ? 50 : Math.min(requested, 500);
}
