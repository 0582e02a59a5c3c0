import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { recordAudit } from "@switchboard/audit";
import { isStaffRole, permissionsOf } from "@switchboard/authz";
import { withTenant } from "@switchboard/db";
import { countDebugLines, readDebugLines } from "@switchboard/debug-sessions";
import { DebugSessionService } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";
import { Code, RpcError, inRange, maxLength, registerService, required, uuid, violations, type Caller, type ServiceImpl } from "@switchboard/rpc";
import { defaultDurationMs, durationToMs, startDurationViolation, ticketViolation } from "../domain/session-rules.js";
import { nowOf, type SupportDeps } from "../sessions/dependencies.js";
import { endSession, extendSession, startSession } from "../sessions/lifecycle.js";
import { directoryByTicket, findSession, listDirectory, listSessions, type SessionRow } from "../store/sessions.js";
import { levelOf, toSessionMessage } from "./session-mapping.js";

function callerOf(caller: Caller | undefined): Caller {
  if (!caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return caller;
}

/** Support engineers (manage + otp) see every detail of every organisation; everyone else existence only, in their own. */
function isSupportEngineer(caller: Caller): boolean {
  if (permissionsOf(caller.roles).has("support.debug_sessions.manage") && caller.amr.includes("otp")) return true;
  if (caller.roles.some(isStaffRole)) {
    throw new RpcError(Code.PermissionDenied, "debug sessions need a second factor for staff: sign in again with your authenticator code");
  }
  return false;
}

function pageOf(request: { pageSize: number; pageToken: string }) {
  const limit = request.pageSize <= 0 ? 50 : request.pageSize;
  const offset = request.pageToken ? Number(request.pageToken) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw RpcError.invalidArgument([{ field: "page_token", description: "is not a token this service issued" }]);
  return { limit, offset };
}

function parseLine(json: string): { time?: string; service?: string; level?: string; msg?: string; debug_session_id?: string } {
  try {
    return JSON.parse(json) as Record<string, string>;
  } catch {
    return {};
  }
}

export function debugSessionHandlers(deps: SupportDeps): ServiceImpl<typeof DebugSessionService> {
  return {
    async startDebugSession(request, context) {
      const caller = callerOf(context.caller);
      const row = await startSession(deps, caller, {
        tenantId: request.organizationId,
        userId: request.userId,
        ticket: request.ticket,
        reason: request.reason.trim(),
        level: levelOf(request.level),
        durationMs: durationToMs(request.duration) ?? defaultDurationMs,
      });
      context.log.info({ event: "debug_session.started", sessionId: row.id, tenantId: row.tenant_id, expiresAt: row.expires_at.toISOString() });
      return { session: toSessionMessage(row, nowOf(deps).getTime(), false) };
    },

    async listDebugSessions(request, context) {
      const caller = callerOf(context.caller);
      const now = nowOf(deps);
      const { limit, offset } = pageOf(request);
      const staff = isSupportEngineer(caller);
      const filter = { userId: request.userId || undefined, includeEnded: request.includeEnded, now };
      let rows: SessionRow[];
      if (!staff || request.organizationId) {
        const tenantId = staff ? request.organizationId : caller.tenantId;
        rows = await withTenant(deps.db, tenantId, (trx) => listSessions(trx, filter, limit + 1, offset));
      } else {
        if (request.userId) throw RpcError.invalidArgument([{ field: "organization_id", description: "is required with user_id: name the user's organisation" }]);
        const entries = await listDirectory(deps.db, filter, limit + 1, offset);
        rows = [];
        for (const entry of entries) {
          const row = await withTenant(deps.db, entry.tenant_id, (trx) => findSession(trx, entry.id));
          if (row) rows.push(row);
        }
      }
      const page = rows.slice(0, limit);
      context.log.debug({ event: "debug_session.listed", count: page.length, existenceOnly: !staff });
      return {
        sessions: page.map((row) => toSessionMessage(row, now.getTime(), !staff)),
        nextPageToken: rows.length > limit ? String(offset + limit) : "",
      };
    },

    async extendDebugSession(request, context) {
      const caller = callerOf(context.caller);
      const row = await extendSession(deps, caller, request.id, durationToMs(request.duration) ?? 0);
      return { session: toSessionMessage(row, nowOf(deps).getTime(), false) };
    },

    async endDebugSession(request, context) {
      const caller = callerOf(context.caller);
      const { session, deletion } = await endSession(deps, caller, request.id);
      return { session: toSessionMessage(session, nowOf(deps).getTime(), false), linesBefore: BigInt(deletion.before), linesAfter: BigInt(deletion.after) };
    },

    async *readDebugLogs(request, context) {
      const caller = callerOf(context.caller);
      const entries = await directoryByTicket(deps.db, request.ticket);
      if (entries.length === 0) throw new RpcError(Code.NotFound, `no debug logs for ticket ${request.ticket}: the ticket has no session, or its logs were deleted`);
      for (const entry of entries) {
        // Every read of a user's debug lines is on their organisation's trail, before the first line goes out.
        const lines = await countDebugLines(deps.jsm, deps.names, entry.id);
        await withTenant(deps.db, entry.tenant_id, (trx) =>
          recordAudit(trx, {
            tenantId: entry.tenant_id,
            actor: { caller },
            action: "support.debug_logs.read",
            resource: { type: "debug_session", id: entry.id },
            personalData: ["debug_logs"],
            details: { ticket: entry.ticket, lines },
          }),
        );
        if (lines === 0) continue;
        for await (const line of readDebugLines(deps.js, deps.jsm, deps.names, entry.id)) {
          if (context.signal.aborted) return;
          const parsed = parseLine(line.json);
          yield {
            time: timestampFromDate(parsed.time ? new Date(parsed.time) : line.storedAt),
            service: parsed.service ?? "",
            level: parsed.level ?? "",
            message: parsed.msg ?? "",
            sessionId: entry.id,
            json: line.json,
          };
        }
      }
    },
  };
}

export function debugSessionService(deps: SupportDeps) {
  return registerService(DebugSessionService, debugSessionHandlers(deps), {
    validate: {
      startDebugSession: (r) =>
        violations(
          uuid(r.organizationId, "organization_id"),
          uuid(r.userId, "user_id"),
          ticketViolation(r.ticket),
          required(r.reason.trim(), "reason"),
          maxLength(r.reason, 500, "reason"),
          startDurationViolation(durationToMs(r.duration)),
        ),
      listDebugSessions: (r) =>
        violations(r.organizationId ? uuid(r.organizationId, "organization_id") : undefined, r.userId ? uuid(r.userId, "user_id") : undefined, inRange(r.pageSize, 0, 200, "page_size")),
      extendDebugSession: (r) => {
        const ms = durationToMs(r.duration);
        return violations(uuid(r.id, "id"), ms === undefined || ms <= 0 ? { field: "duration", description: "is required: how much longer the session should run, e.g. 1h" } : undefined);
      },
      endDebugSession: (r) => violations(uuid(r.id, "id")),
      readDebugLogs: (r) => violations(ticketViolation(r.ticket)),
    },
  });
}
