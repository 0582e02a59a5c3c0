export { buildAuditEvent, type AuditActor, type AuditRecord } from "./audit-event.js";
export { auditEventType, recordAudit } from "./record-audit.js";
