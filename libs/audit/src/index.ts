export { buildAuditEvent, type AuditActor, type AuditRecord } from "./audit-event.js";
export { auditEventRecorded, auditStream, recordAudit } from "./record-audit.js";
