import { recordAudit } from "@switchboard/audit";
import { describeError, withTenant } from "@switchboard/db";
import type { RecognitionDeps } from "../deps.js";
import { forgetOpenSync, lockSync, markExpired, syncsOpenSince } from "../store/syncs.js";

export interface ExpiryResult {
  /** Syncs that were still open and are now expired. */
  expired: number;
  /** Their batches, deleted. */
  batches: number;
}

const PAGE = 500;

/**
 * Ends every sync of every tenant that has been open longer than `maxOpenMs`:
 * the agent that began it is gone (a running agent commits, or begins again,
 * which supersedes it). Its batches go: the record keys they list are blind
 * indexes of the source's records, and they would otherwise stay until the
 * source is deleted. Each sync is expired in its tenant's transaction, under
 * the same lock a commit takes, so a commit in flight either wins or is
 * refused with a clear error. Several replicas may run this at once.
 */
export async function expireAbandonedSyncs(deps: Pick<RecognitionDeps, "db" | "log">, options: { maxOpenMs: number; now?: Date }): Promise<ExpiryResult> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.maxOpenMs);
  const result: ExpiryResult = { expired: 0, batches: 0 };
  for (;;) {
    const due = await syncsOpenSince(deps.db, cutoff, PAGE);
    for (const entry of due) {
      const batches = await withTenant(deps.db, entry.tenant_id, async (trx) => {
        const sync = await lockSync(trx, entry.sync_id, "update");
        if (sync?.state !== "open") return undefined;
        const deleted = await markExpired(trx, sync.id);
        await recordAudit(trx, {
          tenantId: entry.tenant_id,
          actor: { system: "recognition" },
          action: "recognition.sync.expired",
          resource: { type: "sync", id: sync.id },
          personalData: deleted > 0 ? ["contact"] : [],
          details: { dataSourceId: sync.source_id, beganAt: sync.began_at.toISOString(), batchesDeleted: deleted, maxOpenMs: options.maxOpenMs },
        });
        return deleted;
      });
      if (batches === undefined) {
        // Committed, superseded or deleted with its source meanwhile: only the entry is left.
        await forgetOpenSync(deps.db, entry.sync_id);
        continue;
      }
      result.expired += 1;
      result.batches += batches;
      deps.log.info({ event: "sync.expired", tenantId: entry.tenant_id, syncId: entry.sync_id, batchesDeleted: batches }, `sync ${entry.sync_id} was open since ${entry.began_at.toISOString()} and expired`);
    }
    if (due.length < PAGE) return result;
  }
}

/** Runs `expireAbandonedSyncs` every `intervalMs` (never two at once in this process). */
export function startSyncExpiry(deps: Pick<RecognitionDeps, "db" | "log">, options: { maxOpenMs: number; intervalMs: number }): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    expireAbandonedSyncs(deps, { maxOpenMs: options.maxOpenMs })
      .then((result) => {
        if (result.expired > 0) deps.log.info({ event: "sync.expiry_done", ...result }, `${result.expired} abandoned sync(s) expired, ${result.batches} batch(es) deleted`);
      })
      .catch((error: unknown) => deps.log.error({ event: "sync.expiry_failed", ...describeError(error) }, "expiring abandoned syncs failed; the next run retries"))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
