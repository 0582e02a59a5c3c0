import { defineEvent } from "@switchboard/events";
import { AuditEventSchema } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";

/**
 * Figures I1/I8 publish to a stream of the bench's own, removed afterwards:
 * the local platform's SWITCHBOARD_AUDIT must not fill up with bench events
 * (its audit-log would ingest them).
 */
export const benchAuditStream = { name: "BENCH_AUDIT", subjects: ["switchboard.benchaudit.>"], maxAgeMs: 10 * 60_000, duplicateWindowMs: 2 * 60_000 };
export const benchAuditRecorded = defineEvent("switchboard.benchaudit.event.recorded", AuditEventSchema);
