import type { JetStreamClient } from "@nats-io/jetstream";
import { describeError, listenForNotifications, silentLogger, type Logger } from "@switchboard/db";
import type { Kysely } from "kysely";
import { backoffMs, sleep } from "./backoff.js";
import { OUTBOX_CHANNEL } from "./enqueue-event.js";
import type { EventTables } from "./outbox-table.js";
import { publishEncoded } from "./publish.js";
import { WakeSignal } from "./wake-signal.js";

/*
 * Why every committed event reaches a consumer exactly once
 *
 * 1. enqueueEvent writes the event row in the transaction of the change, so
 *    an event exists if and only if its change committed.
 * 2. The relay publishes a batch, waits for JetStream's ack of each message,
 *    and only then deletes the rows in the same transaction that locked them.
 *    If it dies anywhere before that commit (kill -9, lost pod, NATS or
 *    Postgres gone), the rows stay and are published again later: at least
 *    once.
 * 3. Each row is published with its own msg id as `Nats-Msg-Id`, so the
 *    repeats are dropped by the stream (PubAck.duplicate) as long as they come
 *    within its duplicate window (ensureStream's duplicateWindowMs): at most
 *    once in the stream.
 * 4. Consumers ack after processing and wrap their effects in processOnce
 *    keyed by the same msg id, so a redelivery (lost ack, crash after commit)
 *    does not repeat the work either.
 *
 * Several replicas may run the relay: `FOR UPDATE SKIP LOCKED` gives each
 * batch to one of them. Order is kept within a batch and between the batches
 * of one relay; with several replicas, batches may interleave.
 */

export interface OutboxRelayOptions {
  db: Kysely<any>;
  js: JetStreamClient;
  /** URL for the dedicated LISTEN connection that wakes the relay on commit. */
  databaseUrl: string;
  batchSize?: number;
  /** Fallback poll, for notifications lost while the LISTEN connection was down. */
  pollIntervalMs?: number;
  log?: Logger;
}

export interface OutboxRelay {
  /** Resolves once the relay listens for new events (tests, readiness). */
  listening: Promise<void>;
  /** Finishes the batch in flight, then stops. Does not close `db` or `js`. */
  stop(): Promise<void>;
}

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const log = options.log ?? silentLogger;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const wake = new WakeSignal();
  const stopping = new AbortController();

  const listener = listenForNotifications(options.databaseUrl, OUTBOX_CHANNEL, () => wake.notify(), {
    log,
    applicationName: "outbox-relay",
  });

  const run = async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        let published: number;
        do {
          published = await relayBatch(options.db, options.js, batchSize, log);
        } while (published === batchSize && !stopping.signal.aborted);
        failures = 0;
        await wake.wait(pollIntervalMs);
      } catch (err) {
        failures += 1;
        const retryInMs = backoffMs(failures, 250, 30_000);
        log.error(
          {
            event: "outbox.relay_failed",
            attempt: failures,
            retryInMs,
            // A subject no stream captures blocks the outbox until the stream is fixed.
            ...(err instanceof OutboxPublishError ? { subject: err.subject } : {}),
            ...describeError(err),
          },
          "outbox relay failed; rows are kept and retried",
        );
        await sleep(retryInMs, stopping.signal);
      }
    }
  };
  const running = run();

  return {
    listening: listener.ready,
    async stop() {
      stopping.abort();
      wake.notify();
      await running;
      await listener.close();
    },
  };
}

/** Publishes and deletes up to `batchSize` of the oldest unclaimed rows; returns how many. */
async function relayBatch(db: Kysely<any>, js: JetStreamClient, batchSize: number, log: Logger): Promise<number> {
  return (db as Kysely<EventTables>)
    .transaction()
    .execute(async (trx) => {
      const rows = await trx
        .selectFrom("event_outbox")
        .select(["id", "msg_id", "subject", "payload", "headers"])
        .orderBy("id")
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;

      let duplicates = 0;
      // One at a time, awaiting each ack: keeps the order, and a failure
      // leaves no later message published ahead of an earlier one.
      for (const row of rows) {
        const ack = await publishEncoded(js, {
          subject: row.subject,
          payload: row.payload,
          msgId: row.msg_id,
          trace: row.headers ?? {},
        }).catch((err: unknown) => {
          throw new OutboxPublishError(row.subject, err);
        });
        if (ack.duplicate) duplicates += 1;
      }
      await trx
        .deleteFrom("event_outbox")
        .where(
          "id",
          "in",
          rows.map((row) => row.id),
        )
        .execute();
      log.info({ event: "outbox.published", count: rows.length, duplicates }, "outbox events published");
      return rows.length;
    });
}

class OutboxPublishError extends Error {
  override readonly name = "OutboxPublishError";
  constructor(
    readonly subject: string,
    cause: unknown,
  ) {
    super(`publishing to ${subject} failed: ${describeError(cause).message}`, { cause });
  }
}
