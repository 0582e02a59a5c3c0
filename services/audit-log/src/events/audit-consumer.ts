import { auditEventRecorded, auditStream } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { consumeEventBatches, ensureStream, type EventsConnection, type EventType, type StreamOptions } from "@switchboard/events";
import type { AuditEvent, AuditEventSchema } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import type { Kysely } from "kysely";
import type { Logger } from "@switchboard/rpc";
import { appendEntries } from "../store/entries.js";
import type { AuditDatabase } from "../store/schema.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuditIngestionOptions {
  /** The durable consumer's name; replicas sharing it share the work. Default "audit-log". */
  durable?: string;
  /** Where the events come from. Default: SWITCHBOARD_AUDIT, `switchboard.audit.event.recorded`. */
  source?: { stream: StreamOptions; event: EventType<typeof AuditEventSchema> };
  /** For a durable created now: from the stream's first message (default) or only new ones. */
  startAt?: "all" | "new";
}

/**
 * Ingests every service's audit events (stream SWITCHBOARD_AUDIT) into the
 * tenants' chains: durable, acked after commit, and idempotent — a
 * redelivered event finds its id stored and is acknowledged without a second
 * entry. What has arrived is taken as a batch: per tenant one transaction,
 * one chain-head lock and one insert, in stream order; tenants in parallel.
 */
export async function startAuditIngestion(db: Kysely<AuditDatabase>, events: EventsConnection, log: Logger, options: AuditIngestionOptions = {}) {
  const source = options.source ?? { stream: auditStream, event: auditEventRecorded };
  await ensureStream(events.jsm, source.stream);
  return consumeEventBatches({
    js: events.js,
    jsm: events.jsm,
    stream: source.stream.name,
    durable: options.durable ?? "audit-log",
    events: source.event,
    startAt: options.startAt ?? "all",
    maxBatch: 500,
    log,
    async handleBatch(batch) {
      const byTenant = new Map<string, AuditEvent[]>();
      for (const { message } of batch) {
        if (!UUID.test(message.tenantId)) throw new Error(`audit event ${message.eventId} has no valid tenant id (${JSON.stringify(message.tenantId)})`);
        const tenantEvents = byTenant.get(message.tenantId);
        if (tenantEvents) tenantEvents.push(message);
        else byTenant.set(message.tenantId, [message]);
      }
      const appended = await Promise.all(
        [...byTenant].map(([tenantId, tenantEvents]) => withTenant(db, tenantId, (trx) => appendEntries(trx, tenantId, tenantEvents))),
      );
      const duplicates = batch.length - appended.reduce((sum, n) => sum + n, 0);
      if (duplicates > 0) log.info({ event: "audit.duplicates_ignored", count: duplicates }, "events already in the trail were acknowledged without a second entry");
    },
  });
}
