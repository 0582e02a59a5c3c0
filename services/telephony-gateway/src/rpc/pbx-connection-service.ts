import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { recordAudit } from "@switchboard/audit";
import type { Keyring } from "@switchboard/crypto";
import { withTenant } from "@switchboard/db";
import { PbxConnectionService, type CreatePbxConnectionRequest } from "@switchboard/proto/switchboard/telephony/v1/pbx_connections_pb";
import { PbxConnectionStatus, PbxVendor, type PbxConnection } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import { Code, RpcError, inRange, maxLength, registerService, required, uuid, violations, type FieldViolation, type ServiceImpl } from "@switchboard/rpc";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PbxConnectionSchema } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import type { Kysely } from "kysely";
import { vendorOf, vendors } from "../adapters/vendors.js";
import { deleteConnection, findConnection, insertConnection, listConnections, type ConnectionRow } from "../store/connections.js";
import { assignExtension } from "../store/extensions.js";
import type { TelephonyDatabase } from "../store/schema.js";
import type { UserDirectory } from "../users/user-directory.js";
import { callerOf, clientAddressOf } from "./caller.js";

const statuses = { connecting: PbxConnectionStatus.CONNECTING, connected: PbxConnectionStatus.CONNECTED, failed: PbxConnectionStatus.FAILED } as const;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9a-fA-F:.]+\]?$/;
export const EXTENSION = /^[A-Za-z0-9*#_.@+-]{1,32}$/;

export interface ConnectionServiceDeps {
  db: Kysely<TelephonyDatabase>;
  keyring: Keyring;
  /** For webhooks: the path prefix on the webhook port, shown with each webhook connection. */
  webhookPath(connectionId: string): string;
  users: UserDirectory;
}

function toConnection(row: ConnectionRow, deps: ConnectionServiceDeps): MessageInitShape<typeof PbxConnectionSchema> {
  return {
    id: row.id,
    name: row.name,
    vendor: vendors[row.vendor]?.proto ?? PbxVendor.UNSPECIFIED,
    host: row.host,
    port: row.port,
    settings: row.settings,
    status: statuses[row.status],
    lastError: row.last_error,
    statusTime: timestampFromDate(row.status_time),
    createTime: timestampFromDate(row.created_at),
    webhookPath: row.vendor === "webhook" ? deps.webhookPath(row.id) : "",
  };
}

/** Vendor-specific checks; the generic ones run in the validator before the handler. */
function vendorViolations(request: CreatePbxConnectionRequest): { violations: FieldViolation[]; settings: Record<string, string> } {
  const vendor = vendorOf(request.vendor);
  if (!vendor) return { violations: [{ field: "vendor", description: "must be PBX_VENDOR_ASTERISK_AMI, PBX_VENDOR_FREESWITCH_ESL or PBX_VENDOR_WEBHOOK" }], settings: {} };
  const problems: FieldViolation[] = [];
  if (vendor.tcp) {
    if (!HOST.test(request.host)) problems.push({ field: "host", description: "must be a host name or IP address of the PBX" });
    if (request.port < 1 || request.port > 65_535) problems.push({ field: "port", description: "must be a TCP port between 1 and 65535 (AMI usually 5038, ESL 8021)" });
  }
  if (vendor.username && !request.username.trim()) problems.push({ field: "username", description: "must name the manager user (manager.conf)" });
  if (request.secret.length < vendor.minSecretLength) problems.push({ field: "secret", description: `must be at least ${vendor.minSecretLength} characters` });
  const parsed = vendor.settings.safeParse(request.settings);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.length > 0 ? String(issue.path[0]) : (issue as { keys?: string[] }).keys?.join(", ") ?? "";
      problems.push({ field: `settings${key ? `[${key}]` : ""}`, description: issue.code === "unrecognized_keys" ? `unknown setting for ${vendor.name}: see the service README` : issue.message });
    }
  }
  const settings = parsed.success ? Object.fromEntries(Object.entries(parsed.data).map(([k, v]) => [k, String(v)])) : {};
  return { violations: problems, settings };
}

export function pbxConnectionHandlers(deps: ConnectionServiceDeps): ServiceImpl<typeof PbxConnectionService> {
  const { db, keyring } = deps;
  return {
    async createPbxConnection(request, context) {
      const caller = callerOf(context);
      const checked = vendorViolations(request);
      if (checked.violations.length > 0) throw RpcError.invalidArgument(checked.violations);
      const vendor = vendorOf(request.vendor)!;
      const id = randomUUID();
      const row = await withTenant(db, caller.tenantId, async (trx) => {
        const created = await insertConnection(trx, keyring, {
          id,
          tenantId: caller.tenantId,
          name: request.name.trim(),
          vendor: vendor.name,
          host: vendor.tcp ? request.host : "",
          port: vendor.tcp ? request.port : 0,
          settings: checked.settings,
          credentials: { username: request.username, secret: request.secret },
        });
        await recordAudit(trx, {
          tenantId: caller.tenantId,
          actor: { caller, clientAddress: clientAddressOf(context) },
          action: "telephony.connection.created",
          resource: { type: "pbx_connection", id },
          personalData: ["credentials"],
          details: { vendor: vendor.name },
        });
        return created;
      });
      return { connection: toConnection(row, deps) };
    },

    async listPbxConnections(request, context) {
      const caller = callerOf(context);
      const limit = request.pageSize <= 0 ? 50 : request.pageSize;
      const offset = request.pageToken ? Number(request.pageToken) : 0;
      if (!Number.isSafeInteger(offset) || offset < 0) throw RpcError.invalidArgument([{ field: "page_token", description: "is not a token this service issued" }]);
      const rows = await withTenant(db, caller.tenantId, (trx) => listConnections(trx, limit + 1, offset));
      return {
        connections: rows.slice(0, limit).map((row) => toConnection(row, deps)),
        nextPageToken: rows.length > limit ? String(offset + limit) : "",
      };
    },

    async deletePbxConnection(request, context) {
      const caller = callerOf(context);
      await withTenant(db, caller.tenantId, async (trx) => {
        if (!(await deleteConnection(trx, keyring, caller.tenantId, request.id))) {
          throw new RpcError(Code.NotFound, "no such PBX connection: list them with ListPbxConnections");
        }
        await recordAudit(trx, {
          tenantId: caller.tenantId,
          actor: { caller, clientAddress: clientAddressOf(context) },
          action: "telephony.connection.deleted",
          resource: { type: "pbx_connection", id: request.id },
          personalData: ["credentials", "telephony_settings"],
        });
      });
      return {};
    },

    async assignExtension(request, context) {
      const caller = callerOf(context);
      await deps.users.assertUserExists(request.userId, context);
      await withTenant(db, caller.tenantId, async (trx) => {
        if (!(await findConnection(trx, request.connectionId))) {
          throw new RpcError(Code.NotFound, "no such PBX connection: list them with ListPbxConnections");
        }
        await assignExtension(trx, caller.tenantId, request.userId, request.connectionId, request.extension);
        await recordAudit(trx, {
          tenantId: caller.tenantId,
          actor: { caller, clientAddress: clientAddressOf(context) },
          action: "telephony.extension.assigned",
          resource: { type: "user", id: request.userId },
          personalData: ["telephony_settings"],
          details: { connection_id: request.connectionId },
        });
      });
      return { extension: { userId: request.userId, connectionId: request.connectionId, extension: request.extension } };
    },
  };
}

export function pbxConnectionService(deps: ConnectionServiceDeps) {
  return registerService(PbxConnectionService, pbxConnectionHandlers(deps), {
    validate: {
      createPbxConnection: (r) =>
        violations(
          required(r.name, "name"),
          maxLength(r.name, 100, "name"),
          r.vendor === PbxVendor.UNSPECIFIED ? { field: "vendor", description: "must be set: PBX_VENDOR_ASTERISK_AMI, PBX_VENDOR_FREESWITCH_ESL or PBX_VENDOR_WEBHOOK" } : undefined,
          maxLength(r.host, 253, "host"),
          maxLength(r.username, 200, "username"),
          maxLength(r.secret, 500, "secret"),
          Object.keys(r.settings).length > 20 ? { field: "settings", description: "must have at most 20 entries" } : undefined,
        ),
      listPbxConnections: (r) => violations(inRange(r.pageSize, 0, 500, "page_size")),
      deletePbxConnection: (r) => violations(uuid(r.id, "id")),
      assignExtension: (r) =>
        violations(
          uuid(r.userId, "user_id"),
          uuid(r.connectionId, "connection_id"),
          EXTENSION.test(r.extension) ? undefined : { field: "extension", description: "must be 1-32 letters, digits or * # _ . @ + -" },
        ),
    },
  });
}
