import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ServiceAccountSchema, ServiceAccountService, type ServiceAccount } from "@switchboard/proto/switchboard/identity/v1/service_accounts_pb";
import { recordAudit } from "@switchboard/audit";
import { withTenant } from "@switchboard/db";
import { Code, RpcError, maxLength, registerService, required, uuid, violations, type Caller, type ServiceImpl } from "@switchboard/rpc";
import { signAccessToken } from "../domain/access-tokens.js";
import { clientSecretMatches, formatClientId, hashClientSecret, newClientSecret, parseClientId } from "../domain/client-credentials.js";
import { serviceAccountRoles } from "../domain/roles.js";
import type { IdentityDeps } from "../sign-in/dependencies.js";
import { findOrganization } from "../store/organizations.js";
import { findServiceAccount, insertServiceAccount, listServiceAccounts, type ServiceAccountRow } from "../store/service-accounts.js";
import { findUserRow } from "../store/users.js";
import { auditActor } from "./client-address.js";
import { pageSize, pageToken } from "./user-mapping.js";

const namePattern = /^[a-z0-9][a-z0-9-]{1,39}$/;
const credentialsRefused = () => new RpcError(Code.Unauthenticated, "client credentials refused: check client_id and client_secret, and that the account and its responsible person are active");

function toMessage(row: ServiceAccountRow, responsibleActive: boolean): ServiceAccount {
  return create(ServiceAccountSchema, {
    id: row.id,
    organizationId: row.tenant_id,
    name: row.name,
    description: row.description,
    responsibleUserId: row.responsible_user_id,
    roles: row.roles,
    clientId: formatClientId(row.tenant_id, row.id),
    active: row.active && responsibleActive,
    createTime: timestampFromDate(row.created_at),
  });
}

function tenantOf(caller: Caller | undefined): string {
  if (!caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return caller.tenantId;
}

export function serviceAccountHandlers(deps: IdentityDeps): ServiceImpl<typeof ServiceAccountService> {
  return {
    async createServiceAccount(request, context) {
      const tenantId = tenantOf(context.caller);
      const roles = [...new Set(request.roles)];
      const unknown = roles.filter((role) => !(serviceAccountRoles as readonly string[]).includes(role));
      if (roles.length === 0 || unknown.length > 0) {
        throw RpcError.invalidArgument([{ field: "roles", description: `must be one or more of ${serviceAccountRoles.join(", ")}` }]);
      }
      const secret = newClientSecret();
      const account = await withTenant(deps.db, tenantId, async (trx) => {
        const responsible = await findUserRow(trx, request.responsibleUserId);
        if (!responsible || responsible.state !== "active") {
          throw RpcError.invalidArgument([{ field: "responsible_user_id", description: "must be an active user of your organisation: a natural person answers for every functional account" }]);
        }
        const row = await insertServiceAccount(trx, {
          id: randomUUID(),
          tenant_id: tenantId,
          name: request.name,
          description: request.description.trim(),
          responsible_user_id: responsible.id,
          roles,
          secret_hash: hashClientSecret(secret),
        });
        if (!row) throw new RpcError(Code.AlreadyExists, `a service account named ${request.name} exists already: choose another name`);
        await recordAudit(trx, { tenantId, actor: auditActor(context), action: "identity.service_account.created", resource: { type: "service_account", id: row.id }, personalData: ["credentials"], details: { responsibleUserId: row.responsible_user_id, roles: row.roles.join(",") } });
        return row;
      });
      deps.log.info({ event: "service_account.created", tenantId, serviceAccountId: account.id });
      return { serviceAccount: toMessage(account, true), clientSecret: secret };
    },

    async listServiceAccounts(request, context) {
      const tenantId = tenantOf(context.caller);
      const limit = pageSize(request.pageSize);
      const accounts = await withTenant(deps.db, tenantId, async (trx) => {
        const rows = await listServiceAccounts(trx, limit + 1, pageToken.decode(request.pageToken));
        return Promise.all(rows.map(async (row) => toMessage(row, (await findUserRow(trx, row.responsible_user_id))?.state === "active")));
      });
      const page = accounts.slice(0, limit);
      return { serviceAccounts: page, nextPageToken: accounts.length > limit ? pageToken.encode(page.at(-1)?.name) : "" };
    },

    async issueServiceToken(request) {
      const ids = parseClientId(request.clientId);
      if (!ids) throw credentialsRefused();
      const account = await withTenant(deps.db, ids.tenantId, async (trx) => {
        const row = await findServiceAccount(trx, ids.accountId);
        if (!row || !row.active || !clientSecretMatches(request.clientSecret, row.secret_hash)) return undefined;
        const responsible = await findUserRow(trx, row.responsible_user_id);
        const org = await findOrganization(trx, row.tenant_id);
        return responsible?.state === "active" && org?.state === "active" ? row : undefined;
      });
      if (!account) throw credentialsRefused();
      const { token, expiresAt } = await signAccessToken(
        await deps.keys.current(),
        { subject: account.id, tenantId: account.tenant_id, roles: account.roles, amr: [], kind: "service" },
        deps.lifetimes.accessSeconds,
      );
      return { accessToken: token, expireTime: timestampFromDate(expiresAt) };
    },
  };
}

export function serviceAccountService(deps: IdentityDeps) {
  return registerService(ServiceAccountService, serviceAccountHandlers(deps), {
    validate: {
      createServiceAccount: (r) =>
        violations(
          namePattern.test(r.name) ? undefined : { field: "name", description: "must be 2-40 characters: lower-case letters, digits and '-'" },
          required(r.description, "description") ?? maxLength(r.description, 500, "description"),
          required(r.responsibleUserId, "responsible_user_id") ?? uuid(r.responsibleUserId, "responsible_user_id"),
        ),
      issueServiceToken: (r) => violations(required(r.clientId, "client_id"), required(r.clientSecret, "client_secret")),
    },
  });
}
