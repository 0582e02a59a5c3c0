import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DebugLevel, DebugSessionSchema, DebugSessionState, type DebugSession } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";
import { sessionState } from "../domain/session-rules.js";
import type { SessionRow } from "../store/sessions.js";

const states = { active: DebugSessionState.ACTIVE, ended: DebugSessionState.ENDED, expired: DebugSessionState.EXPIRED };

export function levelOf(level: DebugLevel): "debug" | "trace" {
  return level === DebugLevel.TRACE ? "trace" : "debug";
}

/**
 * A session as the caller may see it. `existenceOnly` (tenant admins and
 * auditors): that a session exists for their user, when and whether it runs;
 * not the ticket, the reason or who started it.
 */
export function toSessionMessage(row: SessionRow, now: number, existenceOnly: boolean): DebugSession {
  const state = states[sessionState({ endedAt: row.ended_at, endReason: row.end_reason, expiresAt: row.expires_at }, now)];
  const shown = {
    id: row.id,
    organizationId: row.tenant_id,
    userId: row.user_id,
    state,
    startTime: timestampFromDate(row.started_at),
    expireTime: timestampFromDate(row.expires_at),
    endTime: row.ended_at ? timestampFromDate(row.ended_at) : undefined,
  };
  if (existenceOnly) return create(DebugSessionSchema, shown);
  return create(DebugSessionSchema, {
    ...shown,
    ticket: row.ticket,
    reason: row.reason,
    level: row.level === "trace" ? DebugLevel.TRACE : DebugLevel.DEBUG,
    startedBy: row.started_by,
  });
}
