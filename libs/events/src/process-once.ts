import { sql, type Kysely, type Transaction } from "kysely";
import { setTenant, startPeriodicJob, type Logger, type PeriodicJob } from "@switchboard/db";
import type { EventTables } from "./outbox-table.js";

/**
 * Runs `work` at most once per (consumer, msgId): the marker row and the
 * work's writes commit in one transaction, so a redelivered message (the
 * handler crashed after committing, the ack was lost) finds the marker and is
 * skipped. Returns whether the work ran. A concurrent duplicate waits on the
 * marker's row lock and is skipped once the first commits.
 */
export async function processOnce<DB>(
  db: Kysely<DB>,
  consumer: string,
  msgId: string,
  work: (trx: Transaction<DB>) => Promise<void>,
  options: { tenantId?: string } = {},
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (options.tenantId !== undefined) await setTenant(trx, options.tenantId);
    const inserted = await (trx as unknown as Transaction<EventTables>)
      .insertInto("processed_event")
      .values({ consumer, msg_id: msgId })
      .onConflict((conflict) => conflict.columns(["consumer", "msg_id"]).doNothing())
      .returning("msg_id")
      .executeTakeFirst();
    if (!inserted) return false;
    await work(trx);
    return true;
  });
}

/**
 * Deletes markers older than `olderThanMs`. Keep them longer than a message
 * can be redelivered (the stream's max age) or a late repeat would run again.
 */
export async function pruneProcessedEvents(db: Kysely<any>, olderThanMs: number): Promise<number> {
  const result = await (db as Kysely<EventTables>)
    .deleteFrom("processed_event")
    .where("processed_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface ProcessedEventPruningOptions {
  /** Keep markers at least as long as a message can be redelivered: the stream's max age (7 days) plus a day by default. */
  keepMs?: number;
  /** How often to prune (hourly by default). */
  everyMs?: number;
  log: Logger;
}

/**
 * Prunes `processed_event` now and then every `everyMs`, so the markers of a
 * long-running consumer do not grow without bound. A failed round is logged
 * and retried at the next one; the timer never keeps the process alive.
 */
export function startProcessedEventPruning(db: Kysely<any>, options: ProcessedEventPruningOptions): PeriodicJob {
  const keepMs = options.keepMs ?? 8 * 24 * 60 * 60 * 1000;
  return startPeriodicJob({
    everyMs: options.everyMs ?? 60 * 60 * 1000,
    runNow: true,
    log: options.log,
    failedEvent: "processed_events.prune_failed",
    run: async () => {
      const pruned = await pruneProcessedEvents(db, keepMs);
      if (pruned > 0) options.log.info({ event: "processed_events.pruned", pruned }, "old processed-event markers deleted");
    },
  });
}
