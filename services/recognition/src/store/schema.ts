import type { TenantKeysDatabase } from "@switchboard/crypto";
import type { EventTables } from "@switchboard/events";
import type { ColumnType, Generated } from "kysely";

export interface TenantSettingsTable {
  tenant_id: string;
  default_region: string;
  updated_at: Generated<Date>;
}

export interface DataSourceTable {
  id: string;
  tenant_id: string;
  name: string;
  display_fields: string[];
  script_fields: string[];
  priority: number;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  last_sync_at: Date | null;
}

export interface RecognitionRecordTable {
  tenant_id: string;
  source_id: string;
  record_key: Buffer;
  content_hash: Buffer;
  /** Blind index of the record as the agent sent it; null for records written before it existed. */
  input_hash: Buffer | null;
  payload: Buffer;
  updated_at: Generated<Date>;
}

export interface RecordNumberTable {
  tenant_id: string;
  source_id: string;
  record_key: Buffer;
  number_index: Buffer;
}

export type SyncStateName = "open" | "committed" | "superseded" | "expired";

export interface SyncTable {
  id: string;
  tenant_id: string;
  source_id: string;
  full: boolean;
  state: SyncStateName;
  began_at: Generated<Date>;
  committed_at: Date | null;
  batches: ColumnType<number, number | undefined, number>;
  upserted: ColumnType<string, number | undefined, number>;
  unchanged: ColumnType<string, number | undefined, number>;
  deleted: ColumnType<string, number | undefined, number>;
  rejected: ColumnType<string, number | undefined, number>;
}

export interface SyncBatchTable {
  tenant_id: string;
  sync_id: string;
  batch_id: string;
  seen: Buffer[];
  upserted: number;
  unchanged: number;
  deleted: number;
  /** Clear JSON: only rows written before rejections were sealed (migration 20261205_002); null since. */
  rejected: ColumnType<{ externalId: string; reason: string }[] | null, never, never>;
  rejected_count: ColumnType<number, number, never>;
  /** The rejections (external ids and reasons) as AES-GCM under the source's data key; null when there were none. */
  rejected_sealed: ColumnType<Buffer | null, Buffer | null, never>;
  accepted: number;
}

/**
 * The open syncs of every tenant, outside row-level security so that the
 * expiry job can find them: ids and a time, nothing about any record.
 */
export interface OpenSyncTable {
  sync_id: string;
  tenant_id: string;
  began_at: Date;
}

export interface RecognitionDatabase extends EventTables, TenantKeysDatabase {
  tenant_settings: TenantSettingsTable;
  data_source: DataSourceTable;
  recognition_record: RecognitionRecordTable;
  record_number: RecordNumberTable;
  sync: SyncTable;
  sync_batch: SyncBatchTable;
  open_sync: OpenSyncTable;
}
