import { recordAudit, type AuditActor } from "@switchboard/audit";
import { countDebugLines, purgeDebugLines } from "@switchboard/debug-sessions";
import { withTenant } from "@switchboard/db";
import { markPurged } from "../store/sessions.js";
import { nowOf, type SupportDeps } from "./dependencies.js";

export interface DeletionResult {
  before: number;
  after: number;
}

/**
 * Deletes every stored line of a session and proves it: counts before and
 * after the purge go into the audit event. `final` marks the session as done
 * (no later purge needed); the first purge on End is not final, because a
 * line in flight when the session ended may still arrive.
 */
export async function deleteSessionLines(
  deps: SupportDeps,
  session: { id: string; tenantId: string; ticket: string },
  options: { actor: AuditActor; why: "ended" | "expired" | "erased" | "grace_sweep"; final: boolean; auditIfEmpty?: boolean },
): Promise<DeletionResult> {
  const before = await countDebugLines(deps.jsm, deps.names, session.id);
  if (before > 0) await purgeDebugLines(deps.jsm, deps.names, session.id);
  const after = before > 0 ? await countDebugLines(deps.jsm, deps.names, session.id) : 0;
  if (after > 0) deps.log.error({ event: "debug_logs.purge_incomplete", sessionId: session.id, before, after }, "lines remain after the purge");
  await withTenant(deps.db, session.tenantId, async (trx) => {
    if (before > 0 || options.auditIfEmpty !== false) {
      await recordAudit(trx, {
        tenantId: session.tenantId,
        actor: options.actor,
        action: "support.debug_logs.deleted",
        resource: { type: "debug_session", id: session.id },
        personalData: ["debug_logs"],
        outcome: after === 0 ? "success" : "failure",
        details: { ticket: session.ticket, why: options.why, lines_before: before, lines_after: after },
      });
    }
    if (options.final && after === 0) await markPurged(trx, session.id, nowOf(deps));
  });
  deps.log.info({ event: "debug_logs.deleted", sessionId: session.id, why: options.why, before, after });
  return { before, after };
}
