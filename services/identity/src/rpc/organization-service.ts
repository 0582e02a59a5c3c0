import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { OrganizationService } from "@switchboard/proto/switchboard/identity/v1/organizations_pb";
import { withTenant } from "@switchboard/db";
import { recordAudit } from "@switchboard/audit";
import { enqueueEvent } from "@switchboard/events";
import { Code, RpcError, maxLength, registerService, required, uuid, violations, type ServiceImpl } from "@switchboard/rpc";
import { isSupportedCountry } from "libphonenumber-js";
import { identityEvents } from "../events/identity-events.js";
import type { IdentityDeps } from "../sign-in/dependencies.js";
import { findOrganization, insertOrganization, listOrganizations, markTerminated } from "../store/organizations.js";
import { revokeTenantSessions } from "../store/sessions.js";
import { auditActor } from "./client-address.js";
import { pageSize, pageToken, toOrganizationMessage } from "./user-mapping.js";

const namePattern = /^[a-z0-9][a-z0-9-]{1,39}$/;

export function organizationHandlers(deps: IdentityDeps): ServiceImpl<typeof OrganizationService> {
  return {
    async createOrganization(request, context) {
      const actor = auditActor(context);
      const org = await deps.db.transaction().execute(async (trx) => {
        const row = await insertOrganization(trx, {
          name: request.name,
          displayName: request.displayName.trim(),
          defaultRegion: request.defaultRegion.toUpperCase(),
          residencyRegion: request.residencyRegion.trim(),
          requireMfa: request.requireMfa,
        });
        if (!row) throw new RpcError(Code.AlreadyExists, `an organisation named ${request.name} exists already: choose another name`);
        await enqueueEvent(trx, identityEvents.organizationCreated, { organizationId: row.id, defaultRegion: row.default_region });
        await recordAudit(trx, { tenantId: row.id, actor, action: "identity.organization.created", resource: { type: "organization", id: row.id }, details: { name: row.name, defaultRegion: row.default_region } });
        return row;
      });
      deps.log.info({ event: "organization.created", tenantId: org.id });
      return { organization: toOrganizationMessage(org) };
    },

    async getOrganization(request) {
      const org = await findOrganization(deps.db, request.id);
      if (!org) throw new RpcError(Code.NotFound, `no organisation with id ${request.id}`);
      return { organization: toOrganizationMessage(org) };
    },

    async listOrganizations(request) {
      const limit = pageSize(request.pageSize);
      const rows = await listOrganizations(deps.db, limit + 1, pageToken.decode(request.pageToken));
      const page = rows.slice(0, limit);
      return { organizations: page.map(toOrganizationMessage), nextPageToken: rows.length > limit ? pageToken.encode(page.at(-1)?.name) : "" };
    },

    async terminateOrganization(request, context) {
      const actor = auditActor(context);
      const existing = await findOrganization(deps.db, request.id);
      if (!existing) throw new RpcError(Code.NotFound, `no organisation with id ${request.id}`);
      if (existing.staff) throw new RpcError(Code.FailedPrecondition, "the staff organisation cannot be terminated");
      if (existing.state === "terminated") return { organization: toOrganizationMessage(existing) };
      // One transaction: the state change, every session's end and the event
      // that starts the other services' deletion rules commit together.
      const org = await withTenant(deps.db, request.id, async (trx) => {
        const row = await markTerminated(trx, request.id);
        if (!row) throw new RpcError(Code.Aborted, "the organisation changed meanwhile: try again");
        const sessions = await revokeTenantSessions(trx, "organization_terminated");
        await recordAudit(trx, { tenantId: row.id, actor, action: "identity.organization.terminated", resource: { type: "organization", id: row.id }, details: { reason: request.reason, sessionsRevoked: sessions } });
        await enqueueEvent(trx, identityEvents.organizationTerminated, {
          organizationId: row.id,
          terminateTime: timestampFromDate(row.terminated_at ?? new Date()),
        });
        return row;
      });
      deps.log.info({ event: "organization.terminated", tenantId: org.id });
      return { organization: toOrganizationMessage(org) };
    },
  };
}

export function organizationService(deps: IdentityDeps) {
  return registerService(OrganizationService, organizationHandlers(deps), {
    validate: {
      createOrganization: (r) =>
        violations(
          namePattern.test(r.name) ? undefined : { field: "name", description: "must be 2-40 characters: lower-case letters, digits and '-', starting with a letter or digit" },
          required(r.displayName, "display_name") ?? maxLength(r.displayName, 200, "display_name"),
          isSupportedCountry(r.defaultRegion.toUpperCase()) ? undefined : { field: "default_region", description: "must be an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. NL" },
          required(r.residencyRegion, "residency_region"),
        ),
      getOrganization: (r) => violations(uuid(r.id, "id")),
      terminateOrganization: (r) => violations(uuid(r.id, "id"), required(r.reason, "reason")),
    },
  });
}
