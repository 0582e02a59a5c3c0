import { auditEventRecorded, auditStream } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { consumeEvents, ensureStream, type EventsConnection } from "@switchboard/events";
import type { Kysely } from "kysely";
import type { Logger } from "@switchboard/rpc";
import { appendEntry } from "../store/entries.js";
import type { AuditDatabase } from "../store/schema.js";

/**
 * Ingests every service's audit events (stream SWITCHBOARD_AUDIT) into the
 * tenants' chains: durable, acked after commit, and idempotent — a
 * redelivered event finds its id stored and is acknowledged without a second
 * entry.
 */
export async function startAuditIngestion(db: Kysely<AuditDatabase>, events: EventsConnection, log: Logger, durable = "audit-log") {
  await ensureStream(events.jsm, auditStream);
  return consumeEvents({
    js: events.js,
    jsm: events.jsm,
    stream: auditStream.name,
    durable,
    events: auditEventRecorded,
    log,
    async handle(event) {
      const stored = await withTenant(db, event.tenantId, (trx) => appendEntry(trx, event));
      if (!stored) log.info({ event: "audit.duplicate_ignored", eventId: event.eventId });
    },
  });
}
