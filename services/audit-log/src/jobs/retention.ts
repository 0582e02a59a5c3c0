import type { KeyObject } from "node:crypto";
import { recordAudit } from "@switchboard/audit";
import { describeError, withTenant } from "@switchboard/db";
import { enqueueEvent } from "@switchboard/events";
import type { Logger } from "@switchboard/rpc";
import { sql, type Kysely, type Transaction } from "kysely";
import { verifyEntries } from "../domain/chain.js";
import type { CheckpointSigner } from "../domain/checkpoint.js";
import { expiredPrefixLength, type RetentionPolicy } from "../domain/retention.js";
import { startHash } from "../domain/trail-check.js";
import { checkpointSigned, toCheckpointMessage } from "../events/checkpoint-events.js";
import { insertCheckpoint, listChainHeads, lockChainHead, newestCheckpoint } from "../store/checkpoints.js";
import { toChainEntry } from "../store/entries.js";
import type { AuditDatabase } from "../store/schema.js";

export interface RetentionOptions {
  signer: CheckpointSigner;
  trusted: Map<string, KeyObject>;
  policy: RetentionPolicy;
  log: Logger;
  /** Entries removed per transaction. Default 10,000. */
  batchSize?: number;
  now?: () => Date;
}

export interface RetentionResult {
  tenants: number;
  removed: number;
  /** Tenants whose trail did not verify: nothing of theirs was removed. */
  refused: string[];
}

/**
 * Removes every tenant's expired entries, oldest first, in batches. Each
 * batch first verifies the entries it removes, signs a retention checkpoint
 * for the last of them (so the rest still verifies), then removes them and
 * records that it did in the tenant's trail.
 */
export async function applyRetention(db: Kysely<AuditDatabase>, options: RetentionOptions): Promise<RetentionResult> {
  const result: RetentionResult = { tenants: 0, removed: 0, refused: [] };
  const batchSize = options.batchSize ?? 10_000;
  for (const { tenantId } of await listChainHeads(db)) {
    let removedForTenant = 0;
    try {
      for (;;) {
        const removed = await withTenant(db, tenantId, (trx) => removeExpiredBatch(trx, tenantId, batchSize, options));
        removedForTenant += removed;
        if (removed > 0) options.log.info({ event: "audit.retention_progress", tenantId, removed: removedForTenant }, `retention: ${removedForTenant} entries removed for tenant ${tenantId}`);
        if (removed < batchSize) break;
      }
    } catch (err) {
      result.refused.push(tenantId);
      options.log.error({ event: "audit.retention_refused", tenantId, ...describeError(err) }, `retention skipped tenant ${tenantId}: ${describeError(err).message}`);
    }
    if (removedForTenant > 0) result.tenants += 1;
    result.removed += removedForTenant;
  }
  options.log.info({ event: "audit.retention_done", ...result, refused: result.refused.length }, `retention: ${result.removed} entries removed across ${result.tenants} tenant(s)`);
  return result;
}

async function removeExpiredBatch(trx: Transaction<AuditDatabase>, tenantId: string, batchSize: number, options: RetentionOptions): Promise<number> {
  // Ingestion for this tenant waits meanwhile; a second replica's retention too.
  if (!(await lockChainHead(trx))) return 0;
  const rows = await trx.selectFrom("audit_entry").selectAll().orderBy("sequence").limit(batchSize).execute();
  const now = (options.now ?? (() => new Date()))();
  const count = expiredPrefixLength(rows.map((row) => ({ recordedAt: row.recorded_at, categories: row.personal_data_categories })), options.policy, now);
  if (count === 0) return 0;

  const expired = rows.slice(0, count).map(toChainEntry);
  const first = expired[0]!.sequence;
  const start = startHash(first, undefined, await newestCheckpoint(trx, "retention"), options.trusted);
  const chain = "ok" in start ? start : verifyEntries(expired, start.hash, first);
  if (!chain.ok) throw new Error(`the trail does not verify at sequence ${chain.firstBrokenSequence} (${chain.problem}); nothing removed: run VerifyChain and investigate`);

  const last = expired.at(-1)!;
  const checkpoint = options.signer.sign({ tenantId, kind: "retention", sequence: last.sequence, hash: last.hash, signedAt: now.toISOString(), removedEntries: count });
  await insertCheckpoint(trx, checkpoint);
  await enqueueEvent(trx, checkpointSigned, toCheckpointMessage(checkpoint));
  const { rows: removedRows } = await sql<{ removed: string }>`select audit_remove_retained(${tenantId}::uuid, ${last.sequence}::bigint) as removed`.execute(trx);
  const removed = Number(removedRows[0]?.removed ?? 0);
  await recordAudit(trx, {
    tenantId,
    actor: { system: "audit-log retention" },
    action: "audit.entries.removed",
    resource: { type: "audit_trail", id: tenantId },
    personalData: ["audit"],
    details: { from_sequence: String(first), through_sequence: String(last.sequence), removed: String(removed) },
  });
  return removed;
}
