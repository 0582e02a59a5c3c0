import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { OpenSyncTable, RecognitionDatabase, SyncBatchTable, SyncTable } from "./schema.js";

type Trx = Transaction<RecognitionDatabase>;
export type SyncRow = Selectable<SyncTable>;
export type SyncBatchRow = Selectable<SyncBatchTable>;

export interface SyncCounts {
  batches: number;
  upserted: number;
  unchanged: number;
  deleted: number;
  rejected: number;
}

/**
 * How long a source keeps its ended syncs (ids, times, counts), pruned when the
 * source's next sync begins. The audit trail keeps its own record of each.
 */
export const SYNC_HISTORY_DAYS = 30;

/**
 * Opens a sync of the source; a sync still open there is superseded (an
 * agent that crashed and began again), and its batches go: pushes and
 * commits to it are refused from now on, so nothing will replay them. The
 * new sync is listed in open_sync until it ends, for the expiry job. The
 * source's ended syncs that began more than SYNC_HISTORY_DAYS ago go.
 */
export async function openSync(trx: Trx, tenantId: string, sourceId: string, id: string, full: boolean): Promise<SyncRow> {
  const superseded = await trx.updateTable("sync").set({ state: "superseded" }).where("source_id", "=", sourceId).where("state", "=", "open").returning("id").execute();
  if (superseded.length > 0) await closeSyncs(trx, superseded.map((row) => row.id));
  await trx.deleteFrom("sync").where("source_id", "=", sourceId).where("state", "!=", "open").where("began_at", "<", sql<Date>`now() - make_interval(days => ${SYNC_HISTORY_DAYS})`).execute();
  const sync = await trx.insertInto("sync").values({ id, tenant_id: tenantId, source_id: sourceId, full, state: "open", committed_at: null }).returningAll().executeTakeFirstOrThrow();
  await trx.insertInto("open_sync").values({ sync_id: sync.id, tenant_id: tenantId, began_at: sync.began_at }).execute();
  return sync;
}

/** A sync left the open state: its batches and its open_sync entry go. */
async function closeSyncs(trx: Trx, ids: string[]): Promise<number> {
  const batches = await trx.deleteFrom("sync_batch").where("sync_id", "in", ids).executeTakeFirst();
  await trx.deleteFrom("open_sync").where("sync_id", "in", ids).execute();
  return Number(batches.numDeletedRows);
}

/** Open syncs of any tenant that began before `cutoff`, oldest first: ids and start times, all open_sync holds (it is outside row-level security). */
export function syncsOpenSince(db: Kysely<RecognitionDatabase>, cutoff: Date, limit: number): Promise<Selectable<OpenSyncTable>[]> {
  return db.selectFrom("open_sync").selectAll().where("began_at", "<", cutoff).orderBy("began_at").limit(limit).execute();
}

/** Marks the (locked, open) sync expired and deletes its batches; returns how many batches went. */
export async function markExpired(trx: Trx, id: string): Promise<number> {
  await trx.updateTable("sync").set({ state: "expired" }).where("id", "=", id).execute();
  return closeSyncs(trx, [id]);
}

/** Drops the open_sync entry of a sync that is no longer open (or no longer exists). */
export async function forgetOpenSync(db: Kysely<RecognitionDatabase>, id: string): Promise<void> {
  await db.deleteFrom("open_sync").where("sync_id", "=", id).execute();
}

/**
 * The sync, locked: FOR SHARE by pushes (they run side by side and keep a
 * commit out), FOR UPDATE by the commit (it waits for pushes in flight).
 */
export function lockSync(trx: Trx, id: string, mode: "share" | "update"): Promise<SyncRow | undefined> {
  const query = trx.selectFrom("sync").selectAll().where("id", "=", id);
  return (mode === "share" ? query.forShare() : query.forUpdate()).executeTakeFirst();
}

export function latestSync(trx: Trx, sourceId: string): Promise<SyncRow | undefined> {
  return trx.selectFrom("sync").selectAll().where("source_id", "=", sourceId).orderBy("began_at", "desc").limit(1).executeTakeFirst();
}

export function findBatch(trx: Trx, syncId: string, batchId: string): Promise<SyncBatchRow | undefined> {
  return trx.selectFrom("sync_batch").selectAll().where("sync_id", "=", syncId).where("batch_id", "=", batchId).executeTakeFirst();
}

export interface BatchRecord {
  tenantId: string;
  syncId: string;
  batchId: string;
  seen: Buffer[];
  upserted: number;
  unchanged: number;
  deleted: number;
  accepted: number;
  rejectedCount: number;
  /** The batch's rejections, sealed (see record-crypto's batchRejectionsAad); null when there were none. */
  rejectedSealed: Buffer | null;
}

/**
 * Claims the batch id before anything is written: false when another attempt
 * of the same batch holds it (a concurrent retry waits here for the first
 * attempt's commit, then reads its answer).
 */
export async function claimBatch(trx: Trx, batch: BatchRecord): Promise<boolean> {
  const row = await trx
    .insertInto("sync_batch")
    .values({
      tenant_id: batch.tenantId,
      sync_id: batch.syncId,
      batch_id: batch.batchId,
      seen: batch.seen,
      upserted: batch.upserted,
      unchanged: batch.unchanged,
      deleted: batch.deleted,
      accepted: batch.accepted,
      rejected_count: batch.rejectedCount,
      rejected_sealed: batch.rejectedSealed,
    })
    .onConflict((oc) => oc.columns(["sync_id", "batch_id"]).doNothing())
    .returning("batch_id")
    .executeTakeFirst();
  return row !== undefined;
}

export async function countBatches(trx: Trx, syncId: string): Promise<SyncCounts> {
  const { rows } = await sql<Record<keyof SyncCounts, string>>`
    select count(*) as batches, coalesce(sum(upserted), 0) as upserted, coalesce(sum(unchanged), 0) as unchanged,
      coalesce(sum(deleted), 0) as deleted, coalesce(sum(coalesce(jsonb_array_length(rejected), rejected_count)), 0) as rejected
    from sync_batch where sync_id = ${syncId}`.execute(trx);
  const row = rows[0]!;
  return { batches: Number(row.batches), upserted: Number(row.upserted), unchanged: Number(row.unchanged), deleted: Number(row.deleted), rejected: Number(row.rejected) };
}

/** Ends the sync with its final counts, and drops its batches (a retried push of a committed sync is refused anyway). */
export async function markCommitted(trx: Trx, id: string, counts: SyncCounts): Promise<SyncRow> {
  const row = await trx.updateTable("sync").set({ state: "committed", committed_at: sql<Date>`now()`, ...counts }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
  await closeSyncs(trx, [id]);
  return row;
}

/** A sync's counts: stored once committed, summed from its batches while open. */
export async function syncCounts(trx: Trx, sync: SyncRow): Promise<SyncCounts> {
  if (sync.state === "committed") {
    return { batches: sync.batches, upserted: Number(sync.upserted), unchanged: Number(sync.unchanged), deleted: Number(sync.deleted), rejected: Number(sync.rejected) };
  }
  return countBatches(trx, sync.id);
}
