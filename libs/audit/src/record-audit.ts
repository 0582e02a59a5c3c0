import { defineEvent, enqueueEvent, type EventType } from "@switchboard/events";
import { AuditEventSchema } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import type { Transaction } from "kysely";
import { buildAuditEvent, type AuditRecord } from "./audit-event.js";

const eventTypes = new Map<string, EventType<typeof AuditEventSchema>>();

/** `switchboard.<domain>.audit.recorded`: the subject a domain's audit events travel on (in its own stream). */
export function auditEventType(domain: string): EventType<typeof AuditEventSchema> {
  let type = eventTypes.get(domain);
  if (!type) {
    type = defineEvent(`switchboard.${domain}.audit.recorded`, AuditEventSchema);
    eventTypes.set(domain, type);
  }
  return type;
}

/**
 * Records an audit event in the caller's transaction: it commits with the
 * change it describes, or not at all, and the outbox relay publishes it. The
 * domain is the action's first segment ("identity.user.created" → identity).
 * Returns the event id (also its Nats-Msg-Id, so audit-log stores it once).
 */
export async function recordAudit<DB>(trx: Transaction<DB>, record: AuditRecord): Promise<string> {
  const event = buildAuditEvent(record);
  const domain = record.action.split(".")[0]!;
  await enqueueEvent(trx, auditEventType(domain), event, { msgId: event.eventId });
  return event.eventId;
}
