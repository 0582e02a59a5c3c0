import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { CheckpointKind, SignedCheckpoint } from "../domain/checkpoint.js";
import type { AuditCheckpointTable, AuditDatabase } from "./schema.js";

type Trx = Transaction<AuditDatabase>;

function toSigned(row: Selectable<AuditCheckpointTable>): SignedCheckpoint {
  return {
    tenantId: row.tenant_id,
    kind: row.kind,
    sequence: Number(row.sequence),
    hash: row.hash.trim(),
    signedAt: row.signed_at,
    removedEntries: Number(row.removed_entries),
    keyId: row.key_id,
    publicKey: new Uint8Array(row.public_key),
    signature: new Uint8Array(row.signature),
  };
}

/** Stores a signed checkpoint; false when that tenant, kind and sequence has one already (another replica). */
export async function insertCheckpoint(trx: Trx, c: SignedCheckpoint): Promise<boolean> {
  const result = await trx
    .insertInto("audit_checkpoint")
    .values({
      tenant_id: c.tenantId,
      kind: c.kind,
      sequence: c.sequence,
      hash: c.hash,
      signed_at: c.signedAt,
      key_id: c.keyId,
      public_key: Buffer.from(c.publicKey),
      signature: Buffer.from(c.signature),
      removed_entries: c.removedEntries,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "kind", "sequence"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** The tenant's newest checkpoint (of a kind), or undefined. */
export async function newestCheckpoint(trx: Trx, kind?: CheckpointKind): Promise<SignedCheckpoint | undefined> {
  let query = trx.selectFrom("audit_checkpoint").selectAll().orderBy("sequence", "desc").limit(1);
  if (kind) query = query.where("kind", "=", kind);
  const row = await query.executeTakeFirst();
  return row && toSigned(row);
}

/** The tenant's checkpoints with from ≤ sequence ≤ to, in sequence order. */
export async function checkpointsInRange(trx: Trx, from: number, to: number): Promise<SignedCheckpoint[]> {
  const rows = await trx
    .selectFrom("audit_checkpoint")
    .selectAll()
    .where("sequence", ">=", String(from) as never)
    .where("sequence", "<=", String(to) as never)
    .orderBy("sequence")
    .execute();
  return rows.map(toSigned);
}

/** A page of the tenant's checkpoints, newest first, before the (sequence, kind) cursor. */
export async function listCheckpoints(trx: Trx, kind: CheckpointKind | undefined, limit: number, before?: { sequence: number; kind: string }): Promise<SignedCheckpoint[]> {
  let query = trx.selectFrom("audit_checkpoint").selectAll().orderBy("sequence", "desc").orderBy("kind", "desc").limit(limit);
  if (kind) query = query.where("kind", "=", kind);
  if (before) query = query.where(sql<boolean>`(sequence, kind) < (${before.sequence}::bigint, ${before.kind})`);
  return (await query.execute()).map(toSigned);
}

export interface ChainHead {
  tenantId: string;
  sequence: number;
  hash: string;
}

/**
 * Every tenant's chain head, for the scheduled jobs: the one read across
 * tenants, allowed by the chain_head listing policy only in a transaction
 * that says so (a head is a count and a hash, no personal data).
 */
export async function listChainHeads(db: Kysely<AuditDatabase>): Promise<ChainHead[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('app.scope', 'all_tenants', true)`.execute(trx);
    const rows = await trx.selectFrom("chain_head").selectAll().where("sequence", ">", "0" as never).orderBy("tenant_id").execute();
    return rows.map((row) => ({ tenantId: row.tenant_id, sequence: Number(row.sequence), hash: row.hash.trim() }));
  });
}

/** The tenant's chain head, locked for the transaction (appends wait), or undefined for a tenant without entries. */
export async function lockChainHead(trx: Trx): Promise<ChainHead | undefined> {
  const row = await trx.selectFrom("chain_head").selectAll().forUpdate().executeTakeFirst();
  return row && { tenantId: row.tenant_id, sequence: Number(row.sequence), hash: row.hash.trim() };
}
