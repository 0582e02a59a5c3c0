import type { EventTables } from "@switchboard/events";
import type { ColumnType, Generated } from "kysely";

export interface AuditEntryTable {
  tenant_id: string;
  sequence: ColumnType<string, number, never>;
  event_id: string;
  action: string;
  actor_type: string;
  actor_id: string;
  actor_roles: string[];
  actor_client_address: string;
  actor_tenant_id: string;
  resource_type: string;
  resource_id: string;
  personal_data_categories: string[];
  outcome: string;
  occurred_at: string;
  trace_id: string;
  details: ColumnType<Record<string, string>, string, never>;
  hash: string;
  recorded_at: Generated<Date>;
}

export interface ChainHeadTable {
  tenant_id: string;
  sequence: ColumnType<string, number, number>;
  hash: string;
}

export interface AuditCheckpointTable {
  tenant_id: string;
  kind: "periodic" | "retention";
  sequence: ColumnType<string, number, never>;
  hash: string;
  signed_at: string;
  key_id: string;
  public_key: Uint8Array;
  signature: Uint8Array;
  removed_entries: ColumnType<string, number, never>;
}

export interface AuditDatabase extends EventTables {
  audit_entry: AuditEntryTable;
  chain_head: ChainHeadTable;
  audit_checkpoint: AuditCheckpointTable;
}
