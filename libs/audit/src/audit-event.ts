import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { trace } from "@opentelemetry/api";
import { ActorType, AuditEventSchema, AuditOutcome, type AuditEvent } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import type { Caller } from "@switchboard/rpc";

/** Who acted: the signed-in caller, or the platform itself (a job, a consumer). */
export type AuditActor = { caller: Caller; clientAddress?: string } | { system: string };

export interface AuditRecord {
  /** The tenant whose data was touched. */
  tenantId: string;
  actor: AuditActor;
  /** `<domain>.<resource>.<verb>`, e.g. "identity.user.roles_changed". */
  action: string;
  resource: { type: string; id: string };
  /** Kinds of personal data touched: "contact", "credentials", … */
  personalData?: readonly string[];
  outcome?: "success" | "failure";
  /** Ids, counts and reasons only: never names, numbers or e-mail addresses. */
  details?: Record<string, string | number | boolean>;
}

const actionPattern = /^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

function actorOf(actor: AuditActor): AuditEvent["actor"] {
  if ("system" in actor) return { $typeName: "switchboard.audit.v1.Actor", type: ActorType.SYSTEM, id: actor.system, roles: [], clientAddress: "", tenantId: "" };
  const { caller, clientAddress } = actor;
  return {
    $typeName: "switchboard.audit.v1.Actor",
    type: caller.kind === "service" ? ActorType.SERVICE_ACCOUNT : ActorType.USER,
    id: caller.subject,
    roles: [...caller.roles],
    clientAddress: clientAddress ?? "",
    tenantId: caller.tenantId,
  };
}

/** Builds the shared AuditEvent message, stamped with time, id and the active trace. */
export function buildAuditEvent(record: AuditRecord): AuditEvent {
  if (!actionPattern.test(record.action)) {
    throw new TypeError(`audit action must read <domain>.<resource>.<verb> in lower case, got ${JSON.stringify(record.action)}`);
  }
  return create(AuditEventSchema, {
    eventId: randomUUID(),
    tenantId: record.tenantId,
    actor: actorOf(record.actor),
    action: record.action,
    resource: record.resource,
    personalDataCategories: [...(record.personalData ?? [])],
    outcome: record.outcome === "failure" ? AuditOutcome.FAILURE : AuditOutcome.SUCCESS,
    time: timestampNow(),
    traceId: trace.getActiveSpan()?.spanContext().traceId ?? "",
    details: Object.fromEntries(Object.entries(record.details ?? {}).map(([key, value]) => [key, String(value)])),
  });
}
