import { recordAudit } from "@switchboard/audit";
import { describeError, startPeriodicJob, withTenant, type PeriodicJob } from "@switchboard/db";
import type { RecognitionDeps } from "../deps.js";
import { forgetOpenSync, lockSync, markExpired, syncsOpenSince } from "../store/syncs.js";

export interface ExpiryResult {
  /** Syncs that were still open and are now expired. */
  expired: number;
  /** Their batches, deleted. */
  batches: number;
  /** Syncs that could not be expired this time (logged; tried again on the next run). */
  failed: number;
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
  const result: ExpiryResult = { expired: 0, batches: 0, failed: 0 };
  for (;;) {
    const due = await syncsOpenSince(deps.db, cutoff, PAGE);
    let settled = 0;
    for (const entry of due) {
      try {
        const batches = await expireOne(deps, entry, options.maxOpenMs);
        settled += 1;
        if (batches === undefined) continue;
        result.expired += 1;
        result.batches += batches;
        deps.log.info({ event: "sync.expired", tenantId: entry.tenant_id, syncId: entry.sync_id, batchesDeleted: batches }, `sync ${entry.sync_id} was open since ${entry.began_at.toISOString()} and expired`);
      } catch (error) {
        // One sync that cannot be expired must not hold up the others; the next run tries it again.
        result.failed += 1;
        deps.log.error({ event: "sync.expiry_failed", tenantId: entry.tenant_id, syncId: entry.sync_id, ...describeError(error) }, `could not expire sync ${entry.sync_id}: ${describeError(error).message}`);
      }
    }
    // A full page in which nothing settled would come back unchanged.
    if (due.length < PAGE || settled === 0) return result;
  }
}

/** Expires one listed sync if it is still open; undefined when it had ended (its entry is dropped). */
async function expireOne(deps: Pick<RecognitionDeps, "db">, entry: { sync_id: string; tenant_id: string }, maxOpenMs: number): Promise<number | undefined> {
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
      details: { dataSourceId: sync.source_id, beganAt: sync.began_at.toISOString(), batchesDeleted: deleted, maxOpenMs },
    });
    return deleted;
  });
  // Committed, superseded or deleted with its source meanwhile: only the entry is left.
  if (batches === undefined) await forgetOpenSync(deps.db, entry.sync_id);
  return batches;
}

/** Runs `expireAbandonedSyncs` every `intervalMs` (libs/db's periodic job: no overlap, stop waits). */
export function startSyncExpiry(deps: Pick<RecognitionDeps, "db" | "log">, options: { maxOpenMs: number; intervalMs: number }): PeriodicJob {
  return startPeriodicJob({
    everyMs: options.intervalMs,
    log: deps.log,
    failedEvent: "sync.expiry_failed",
    run: async () => {
      const result = await expireAbandonedSyncs(deps, { maxOpenMs: options.maxOpenMs });
      if (result.expired + result.failed > 0) deps.log.info({ event: "sync.expiry_done", ...result }, `${result.expired} abandoned sync(s) expired, ${result.batches} batch(es) deleted, ${result.failed} failed`);
    },
  });
}
