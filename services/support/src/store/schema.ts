import type { EventTables } from "@switchboard/events";

export type EndReason = "ended" | "expired" | "erased";

export interface DebugSessionTable {
  id: string;
  tenant_id: string;
  user_id: string;
  ticket: string;
  reason: string;
  level: "debug" | "trace";
  started_by: string;
  started_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  end_reason: EndReason | null;
}

export interface DebugSessionDirectoryTable {
  id: string;
  tenant_id: string;
  ticket: string;
  started_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  purged_at: Date | null;
}

export interface SupportDatabase extends EventTables {
  debug_session: DebugSessionTable;
  debug_session_directory: DebugSessionDirectoryTable;
}
