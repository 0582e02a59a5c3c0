import { randomUUID } from "node:crypto";
import { sql, type Transaction } from "kysely";
import { encodeEvent, type EventInit, type EventType } from "./event-type.js";
import type { EventTables } from "./outbox-table.js";
import { captureTraceHeaders } from "./trace-headers.js";

/** The channel `enqueueEvent` notifies and the relay listens on. */
export const OUTBOX_CHANNEL = "event_outbox";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface EnqueueEventOptions {
  /** A UUID; default random. Pass a deterministic one (UUIDv5) to make a retried operation dedupe too. */
  msgId?: string;
  /** Overrides the traceparent taken from the active OpenTelemetry context. */
  traceparent?: string;
}

/**
 * Writes an event into the outbox inside the caller's transaction, next to
 * the change it describes: both commit or neither does. The relay publishes it
 * after commit. Returns the event's msg id.
 */
export async function enqueueEvent<DB, E extends EventType>(
  trx: Transaction<DB>,
  eventType: E,
  message: EventInit<E>,
  options: EnqueueEventOptions = {},
): Promise<string> {
  if (!trx.isTransaction) {
    throw new TypeError(
      "enqueueEvent must run in the transaction that writes the change: pass the trx of db.transaction() or withTenant()",
    );
  }
  const msgId = options.msgId ?? randomUUID();
  if (!UUID.test(msgId)) throw new TypeError(`outbox msg id must be a UUID, got ${JSON.stringify(msgId)}`);
  // The caller's DB type does not know the outbox table; this library does.
  const outbox = trx as unknown as Transaction<EventTables>;
  await outbox
    .insertInto("event_outbox")
    .values({
      msg_id: msgId,
      subject: eventType.subject,
      payload: Buffer.from(encodeEvent(eventType, message)),
      headers: captureTraceHeaders(options.traceparent),
    })
    .execute();
  // Postgres delivers a NOTIFY only when the transaction commits, and folds
  // repeats within one transaction into one, so this is cheap and never wakes
  // the relay for a rolled-back event.
  await sql`select pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
  return msgId;
}
