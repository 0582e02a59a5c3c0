import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { create } from "@bufbuild/protobuf";
import { recordAudit } from "@switchboard/audit";
import { permissionsOf } from "@switchboard/authz";
import { withTenant } from "@switchboard/db";
import { ActorType, AuditOutcome } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { AuditEntrySchema, AuditService, CheckpointKind, ExportFormat, type AuditEntry } from "@switchboard/proto/switchboard/audit/v1/audit_pb";
import { Code, RpcError, inRange, registerService, uuid, violations, type Caller, type ServiceImpl } from "@switchboard/rpc";
import type { Kysely } from "kysely";
import type { KeyObject } from "node:crypto";
import { csvHeader, csvLine, jsonLine } from "../domain/export-format.js";
import { toCheckpointMessage } from "../events/checkpoint-events.js";
import { listCheckpoints } from "../store/checkpoints.js";
import { entriesInRange, queryEntries, toChainEntry, type AuditEntryRow, type EntryFilter } from "../store/entries.js";
import { verifyTrail } from "../store/verify-trail.js";
import type { AuditDatabase } from "../store/schema.js";

const actorTypes: Record<string, ActorType> = { user: ActorType.USER, service_account: ActorType.SERVICE_ACCOUNT, system: ActorType.SYSTEM };
const outcomes: Record<string, AuditOutcome> = { success: AuditOutcome.SUCCESS, failure: AuditOutcome.FAILURE };

function toEntry(row: AuditEntryRow): AuditEntry {
  const entry = toChainEntry(row);
  return create(AuditEntrySchema, {
    sequence: BigInt(entry.sequence),
    hash: entry.hash,
    recordTime: timestampFromDate(row.recorded_at),
    event: {
      eventId: entry.eventId,
      tenantId: entry.tenantId,
      action: entry.action,
      actor: { type: actorTypes[entry.actorType] ?? ActorType.UNSPECIFIED, id: entry.actorId, roles: [...entry.actorRoles], clientAddress: entry.actorClientAddress, tenantId: entry.actorTenantId },
      resource: { type: entry.resourceType, id: entry.resourceId },
      personalDataCategories: [...entry.personalDataCategories],
      outcome: outcomes[entry.outcome] ?? AuditOutcome.UNSPECIFIED,
      time: entry.occurredAt ? timestampFromDate(new Date(entry.occurredAt)) : undefined,
      traceId: entry.traceId,
      details: { ...entry.details },
    },
  });
}

/**
 * The tenant a read is about: the caller's own, or — for staff holding
 * `audit.read_any_tenant` (with a second factor, enforced by the policy
 * layer for that permission) — the one they name.
 */
function targetTenant(caller: Caller | undefined, requested: string): { caller: Caller; tenantId: string } {
  if (!caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  if (!requested || requested === caller.tenantId) return { caller, tenantId: caller.tenantId };
  if (!permissionsOf(caller.roles).has("audit.read_any_tenant") || !caller.amr.includes("otp")) {
    throw new RpcError(Code.PermissionDenied, "reading another organisation's audit trail needs staff-dpo with a second factor");
  }
  return { caller, tenantId: requested };
}

/** Every read of the trail is itself on the trail. */
function auditRead(db: Kysely<AuditDatabase>, caller: Caller, tenantId: string, action: string, details: Record<string, string | number>) {
  return withTenant(db, tenantId, (trx) =>
    recordAudit(trx, { tenantId, actor: { caller }, action, resource: { type: "audit_trail", id: tenantId }, personalData: ["audit"], details }),
  );
}

function filterOf(request: { startTime?: { seconds: bigint; nanos: number }; endTime?: { seconds: bigint; nanos: number } }): Pick<EntryFilter, "from" | "to"> {
  return {
    from: request.startTime ? timestampDate(request.startTime as never) : undefined,
    to: request.endTime ? timestampDate(request.endTime as never) : undefined,
  };
}

export interface AuditServiceOptions {
  /** The checkpoint keys VerifyChain believes (by key id): the current one and listed earlier ones. */
  trusted: Map<string, KeyObject>;
}

const kinds: Record<number, "periodic" | "retention" | undefined> = { [CheckpointKind.PERIODIC]: "periodic", [CheckpointKind.RETENTION]: "retention" };

export function auditHandlers(db: Kysely<AuditDatabase>, options: AuditServiceOptions): ServiceImpl<typeof AuditService> {
  return {
    async queryEvents(request, context) {
      const { caller, tenantId } = targetTenant(context.caller, request.tenantId);
      const limit = request.pageSize <= 0 ? 50 : Math.min(request.pageSize, 500);
      const before = request.pageToken ? Number(request.pageToken) : undefined;
      if (before !== undefined && !Number.isSafeInteger(before)) throw RpcError.invalidArgument([{ field: "page_token", description: "is not a token this service issued" }]);
      const filter = { ...filterOf(request), actorId: request.actorId || undefined, action: request.action || undefined, resourceId: request.resourceId || undefined };
      const rows = await withTenant(db, tenantId, (trx) => queryEntries(trx, filter, limit + 1, before));
      await auditRead(db, caller, tenantId, "audit.events.queried", { returned: Math.min(rows.length, limit) });
      const page = rows.slice(0, limit);
      return { entries: page.map(toEntry), nextPageToken: rows.length > limit ? String(page.at(-1)!.sequence) : "" };
    },

    async *exportEvents(request, context) {
      const { caller, tenantId } = targetTenant(context.caller, request.tenantId);
      const format = request.format === ExportFormat.CSV ? "csv" : "jsonl";
      const { from, to } = filterOf(request);
      await auditRead(db, caller, tenantId, "audit.events.exported", { format });
      if (format === "csv") yield { chunk: csvHeader };
      let next = 1;
      for (;;) {
        const rows = await withTenant(db, tenantId, (trx) => entriesInRange(trx, next, next + 499));
        if (rows.length === 0) return;
        const lines = rows
          .filter((row) => (!from || row.recorded_at >= from) && (!to || row.recorded_at < to))
          .map((row) => ({ ...toChainEntry(row), recordedAt: row.recorded_at.toISOString() }))
          .map((entry) => (format === "csv" ? csvLine(entry) : jsonLine(entry)));
        if (lines.length > 0) yield { chunk: lines.join("") };
        next = Number(rows.at(-1)!.sequence) + 1;
      }
    },

    async verifyChain(request, context) {
      const { caller, tenantId } = targetTenant(context.caller, request.tenantId);
      const from = request.fromSequence > 0n ? Number(request.fromSequence) : undefined;
      const to = request.toSequence > 0n ? Number(request.toSequence) : undefined;
      const result = await withTenant(db, tenantId, (trx) => verifyTrail(trx, from, to, options.trusted));
      await auditRead(db, caller, tenantId, "audit.chain.verified", { ok: String(result.ok), checked: result.checked, checkpoints: result.checkpointsChecked });
      return {
        ok: result.ok,
        entriesChecked: BigInt(result.checked),
        firstBrokenSequence: BigInt(result.firstBrokenSequence),
        problem: result.problem,
        checkpointsChecked: BigInt(result.checkpointsChecked),
      };
    },

    async listCheckpoints(request, context) {
      const { caller, tenantId } = targetTenant(context.caller, request.tenantId);
      const limit = request.pageSize <= 0 ? 50 : Math.min(request.pageSize, 500);
      const before = request.pageToken ? parseCheckpointToken(request.pageToken) : undefined;
      const rows = await withTenant(db, tenantId, (trx) => listCheckpoints(trx, kinds[request.kind], limit + 1, before));
      await auditRead(db, caller, tenantId, "audit.checkpoints.listed", { returned: Math.min(rows.length, limit) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { checkpoints: page.map(toCheckpointMessage), nextPageToken: rows.length > limit && last ? `${last.sequence}.${last.kind}` : "" };
    },
  };
}

function parseCheckpointToken(token: string): { sequence: number; kind: string } {
  const match = /^(\d+)\.(periodic|retention)$/.exec(token);
  if (!match) throw RpcError.invalidArgument([{ field: "page_token", description: "is not a token this service issued" }]);
  return { sequence: Number(match[1]), kind: match[2]! };
}

export function auditService(db: Kysely<AuditDatabase>, options: AuditServiceOptions) {
  return registerService(AuditService, auditHandlers(db, options), {
    validate: {
      queryEvents: (r) => violations(r.tenantId ? uuid(r.tenantId, "tenant_id") : undefined, inRange(r.pageSize, 0, 500, "page_size")),
      exportEvents: (r) => violations(r.tenantId ? uuid(r.tenantId, "tenant_id") : undefined),
      verifyChain: (r) =>
        violations(
          r.tenantId ? uuid(r.tenantId, "tenant_id") : undefined,
          r.fromSequence < 0n ? { field: "from_sequence", description: "must be 1 or more (0: from the oldest entry)" } : undefined,
          r.toSequence < 0n || (r.toSequence > 0n && r.toSequence < r.fromSequence) ? { field: "to_sequence", description: "must be 0 (to the newest) or at least from_sequence" } : undefined,
        ),
      listCheckpoints: (r) => violations(r.tenantId ? uuid(r.tenantId, "tenant_id") : undefined, inRange(r.pageSize, 0, 500, "page_size")),
    },
  });
}
