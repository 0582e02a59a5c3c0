import type { TenantKeysDatabase } from "@switchboard/crypto";
import type { EventTables } from "@switchboard/events";
import type { ColumnType, Generated } from "kysely";

export type ConnectionStatusName = "connecting" | "connected" | "failed";
export type VendorName = "asterisk_ami" | "freeswitch_esl" | "webhook";

export interface PbxConnectionTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  vendor: VendorName;
  host: string;
  port: number;
  settings: ColumnType<Record<string, string>, string, string>;
  credentials: Buffer;
  status: Generated<ConnectionStatusName>;
  last_error: Generated<string>;
  status_time: Generated<Date>;
  created_at: Generated<Date>;
}

export interface ConnectionDirectoryTable {
  connection_id: string;
  tenant_id: string;
}

export interface ExtensionTable {
  tenant_id: string;
  user_id: string;
  connection_id: string;
  extension: string;
  updated_at: Generated<Date>;
}

export interface TenantRegionTable {
  tenant_id: string;
  default_region: string;
}

export interface TelephonyDatabase extends EventTables, TenantKeysDatabase {
  pbx_connection: PbxConnectionTable;
  connection_directory: ConnectionDirectoryTable;
  extension: ExtensionTable;
  tenant_region: TenantRegionTable;
}
