import { defineEvent, enqueueEvent } from "@switchboard/events";
import { AuditEventSchema } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import type { Transaction } from "kysely";
import { buildAuditEvent, type AuditRecord } from "./audit-event.js";

/**
 * Every service's audit events travel on one subject into one stream, so the
 * audit-log service reads a single durable consumer. (A subject under each
 * domain's own stream would overlap that stream's `switchboard.<domain>.>`,
 * which JetStream does not allow for a second stream.)
 */
export const auditEventRecorded = defineEvent("switchboard.audit.event.recorded", AuditEventSchema);

/** The stream every service ensures exists before its outbox relay publishes audit events. */
export const auditStream = { name: "SWITCHBOARD_AUDIT", subjects: ["switchboard.audit.>"] };

/**
 * Records an audit event in the caller's transaction: it commits with the
 * change it describes, or not at all, and the outbox relay publishes it.
 * Returns the event id (also its Nats-Msg-Id, so audit-log stores it once).
 */
export async function recordAudit<DB>(trx: Transaction<DB>, record: AuditRecord): Promise<string> {
  const event = buildAuditEvent(record);
  await enqueueEvent(trx, auditEventRecorded, event, { msgId: event.eventId });
  return event.eventId;
}
