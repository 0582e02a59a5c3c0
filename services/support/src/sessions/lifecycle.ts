import { randomUUID } from "node:crypto";
import { recordAudit, type AuditActor } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { Code, RpcError, type Caller } from "@switchboard/rpc";
import { extendedExpiry } from "../domain/session-rules.js";
import type { EndReason } from "../store/schema.js";
import { directoryEntry, dueForPurge, dueToExpire, findActiveSession, findSession, insertSession, markEnded, sessionsOfUser, setExpiry, type SessionRow } from "../store/sessions.js";
import { deleteSessionLines, type DeletionResult } from "./delete-lines.js";
import { nowOf, type SupportDeps } from "./dependencies.js";

const recordOf = (row: SessionRow) => ({
  sessionId: row.id,
  tenantId: row.tenant_id,
  userId: row.user_id,
  ticket: row.ticket,
  level: row.level,
  expiresAt: row.expires_at.getTime(),
});

const notFound = (id: string) => new RpcError(Code.NotFound, `no debug session with id ${id}: list them with ListDebugSessions`);

export interface StartRequest {
  tenantId: string;
  userId: string;
  ticket: string;
  reason: string;
  level: "debug" | "trace";
  durationMs: number;
}

/**
 * Starts a session and switches it on everywhere: the bucket entry is
 * written before the transaction commits, so a session either exists and is
 * distributed or (when NATS refuses) does not exist at all.
 */
export async function startSession(deps: SupportDeps, caller: Caller, request: StartRequest): Promise<SessionRow> {
  const now = nowOf(deps);
  return withTenant(deps.db, request.tenantId, async (trx) => {
    const running = await findActiveSession(trx, request.userId, now);
    if (running) {
      throw new RpcError(Code.AlreadyExists, `the user already has an active debug session (${running.id}, ticket ${running.ticket}): extend or end it first`);
    }
    const row: SessionRow = {
      id: randomUUID(),
      tenant_id: request.tenantId,
      user_id: request.userId,
      ticket: request.ticket,
      reason: request.reason,
      level: request.level,
      started_by: caller.subject,
      started_at: now,
      expires_at: new Date(now.getTime() + request.durationMs),
      ended_at: null,
      end_reason: null,
    };
    await insertSession(trx, row);
    await recordAudit(trx, {
      tenantId: request.tenantId,
      actor: { caller },
      action: "support.debug_session.started",
      resource: { type: "debug_session", id: row.id },
      personalData: ["debug_logs"],
      details: { user_id: row.user_id, ticket: row.ticket, level: row.level, expires_at: row.expires_at.toISOString(), duration_s: request.durationMs / 1000 },
    });
    await deps.bucket.put(recordOf(row));
    return row;
  });
}

/** The session (any state) of the directory's tenant, for staff who name it by id only. */
export async function tenantOfSession(deps: SupportDeps, id: string): Promise<string> {
  const entry = await directoryEntry(deps.db, id);
  if (!entry) throw notFound(id);
  return entry.tenant_id;
}

export async function extendSession(deps: SupportDeps, caller: Caller, id: string, extraMs: number): Promise<SessionRow> {
  const tenantId = await tenantOfSession(deps, id);
  const now = nowOf(deps);
  return withTenant(deps.db, tenantId, async (trx) => {
    const row = await findSession(trx, id);
    if (!row) throw notFound(id);
    if (row.ended_at !== null || row.expires_at <= now) {
      throw new RpcError(Code.FailedPrecondition, "the debug session is over: start a new one for the ticket");
    }
    const extended = extendedExpiry({ startedAt: row.started_at, expiresAt: row.expires_at }, extraMs);
    if ("problem" in extended) throw RpcError.invalidArgument([{ field: "duration", description: extended.problem }]);
    const updated = await setExpiry(trx, id, extended.expiresAt);
    await recordAudit(trx, {
      tenantId,
      actor: { caller },
      action: "support.debug_session.extended",
      resource: { type: "debug_session", id },
      personalData: ["debug_logs"],
      details: { ticket: row.ticket, expires_at: extended.expiresAt.toISOString(), previous_expires_at: row.expires_at.toISOString() },
    });
    await deps.bucket.put(recordOf(updated));
    return updated;
  });
}

/** Closes a session: off everywhere first, then recorded, then its lines deleted. */
async function closeSession(deps: SupportDeps, actor: AuditActor, tenantId: string, id: string, reason: EndReason): Promise<{ session: SessionRow; deletion: DeletionResult }> {
  const now = nowOf(deps);
  const session = await withTenant(deps.db, tenantId, async (trx) => {
    const row = await findSession(trx, id);
    if (!row) throw notFound(id);
    await deps.bucket.remove(row.tenant_id, row.user_id, row.id);
    if (row.ended_at !== null) return row; // already closed: only the lines are deleted (again)
    const endedAt = reason === "expired" ? row.expires_at : now;
    const ended = await markEnded(trx, id, endedAt, reason);
    await recordAudit(trx, {
      tenantId,
      actor,
      action: reason === "expired" ? "support.debug_session.expired" : "support.debug_session.ended",
      resource: { type: "debug_session", id },
      personalData: ["debug_logs"],
      details: { ticket: row.ticket, why: reason },
    });
    return ended;
  });
  // An expired session keeps its lines through the grace period (a support
  // engineer may still read them); ending or erasure deletes them at once.
  const deletion =
    reason === "expired"
      ? { before: 0, after: 0 }
      : await deleteSessionLines(deps, { id, tenantId, ticket: session.ticket }, { actor, why: reason, final: false });
  return { session, deletion };
}

export async function endSession(deps: SupportDeps, caller: Caller, id: string) {
  const tenantId = await tenantOfSession(deps, id);
  return closeSession(deps, { caller }, tenantId, id, "ended");
}

/** The user was erased: every session of theirs ends and every line goes. */
export async function eraseUserSessions(deps: SupportDeps, tenantId: string, userId: string, actor: AuditActor = { system: "support" }): Promise<DeletionResult[]> {
  const sessions = await withTenant(deps.db, tenantId, (trx) => sessionsOfUser(trx, userId));
  const results: DeletionResult[] = [];
  for (const session of sessions) {
    const { deletion } = await closeSession(deps, actor, tenantId, session.id, "erased");
    results.push(deletion);
  }
  return results;
}

/**
 * The periodic sweep: closes sessions past their end (they already log
 * nothing: every service checks the end itself), then purges the lines of
 * every session closed longer ago than the grace period, once more for
 * ended ones (late lines) and for the first time for expired ones.
 */
export async function sweepSessions(deps: SupportDeps): Promise<{ expired: number; purged: number }> {
  const now = nowOf(deps);
  const actor = { system: "support" };
  let expired = 0;
  for (const entry of await dueToExpire(deps.db, now)) {
    await closeSession(deps, actor, entry.tenant_id, entry.id, "expired");
    expired += 1;
  }
  let purged = 0;
  for (const entry of await dueForPurge(deps.db, new Date(now.getTime() - deps.graceMs))) {
    const wasExpired = await withTenant(deps.db, entry.tenant_id, async (trx) => (await findSession(trx, entry.id))?.end_reason === "expired");
    await deleteSessionLines(deps, { id: entry.id, tenantId: entry.tenant_id, ticket: entry.ticket }, {
      actor,
      why: wasExpired ? "expired" : "grace_sweep",
      final: true,
      // The expiry purge is the deletion itself: always on the trail. The
      // sweep after an End only is when it found late lines.
      auditIfEmpty: wasExpired,
    });
    purged += 1;
  }
  return { expired, purged };
}
