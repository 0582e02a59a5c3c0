import { withTenant } from "@switchboard/db";
import { enqueueEvent } from "@switchboard/events";
import type { Logger } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import type { CheckpointSigner } from "../domain/checkpoint.js";
import { checkpointSigned, toCheckpointMessage } from "../events/checkpoint-events.js";
import { insertCheckpoint, listChainHeads, newestCheckpoint } from "../store/checkpoints.js";
import type { AuditDatabase } from "../store/schema.js";

/**
 * Signs a checkpoint of every tenant's chain head that moved since its last
 * periodic checkpoint, stores it and publishes it. Safe on several replicas
 * at once: a (tenant, kind, sequence) is stored and published once.
 */
export async function signPeriodicCheckpoints(db: Kysely<AuditDatabase>, signer: CheckpointSigner, log: Logger, now = () => new Date()): Promise<number> {
  let signed = 0;
  for (const head of await listChainHeads(db)) {
    const stored = await withTenant(db, head.tenantId, async (trx) => {
      const latest = await newestCheckpoint(trx, "periodic");
      if (latest && latest.sequence >= head.sequence) return false;
      // The head as listed: its entry and hash were committed together.
      const checkpoint = signer.sign({ tenantId: head.tenantId, kind: "periodic", sequence: head.sequence, hash: head.hash, signedAt: now().toISOString(), removedEntries: 0 });
      if (!(await insertCheckpoint(trx, checkpoint))) return false;
      await enqueueEvent(trx, checkpointSigned, toCheckpointMessage(checkpoint));
      return true;
    });
    if (stored) signed += 1;
  }
  if (signed > 0) log.info({ event: "audit.checkpoints_signed", tenants: signed, keyId: signer.keyId }, `signed checkpoints for ${signed} tenant chain(s)`);
  return signed;
}
