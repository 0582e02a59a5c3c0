import { randomUUID } from "node:crypto";
import { UserService } from "@switchboard/proto/switchboard/identity/v1/users_pb";
import { withTenant } from "@switchboard/db";
import { recordAudit } from "@switchboard/audit";
import { enqueueEvent } from "@switchboard/events";
import { Code, RpcError, maxLength, registerService, required, uuid, violations, type Caller, type FieldViolation, type ServiceImpl } from "@switchboard/rpc";
import type { Transaction } from "kysely";
import { generateInitialPassword } from "../domain/initial-password.js";
import { hashPassword } from "../domain/password-hash.js";
import { grantableRoles } from "../domain/roles.js";
import { identityEvents } from "../events/identity-events.js";
import { assertPasswordAcceptable } from "../sign-in/account-security.js";
import type { IdentityDeps } from "../sign-in/dependencies.js";
import { findOrganization } from "../store/organizations.js";
import type { IdentityDatabase } from "../store/schema.js";
import { changeRoles } from "../store/role-changes.js";
import { deactivateAccountsOf } from "../store/service-accounts.js";
import { revokeUserSessions } from "../store/sessions.js";
import { decryptUser, eraseUser, findUserRow, insertUser, listUserRows, updateUser, type UserRow } from "../store/users.js";
import { auditActor } from "./client-address.js";
import { pageSize, pageToken, toUserMessage } from "./user-mapping.js";

type Trx = Transaction<IdentityDatabase>;

const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function tenantOf(caller: Caller | undefined): Caller {
  if (!caller) throw new RpcError(Code.Unauthenticated, "sign in: this call needs an access token");
  return caller;
}

async function assertGrantable(trx: Trx, tenantId: string, roles: readonly string[]): Promise<void> {
  const org = await findOrganization(trx, tenantId);
  const allowed = grantableRoles(org?.staff ?? false);
  const unknown = roles.filter((role) => !allowed.includes(role));
  if (roles.length === 0) throw RpcError.invalidArgument([{ field: "roles", description: "must name at least one role" }]);
  if (unknown.length > 0) {
    throw RpcError.invalidArgument([{ field: "roles", description: `cannot grant ${unknown.join(", ")} here: grantable roles are ${allowed.join(", ")}` }]);
  }
}

async function liveUser(trx: Trx, id: string): Promise<UserRow> {
  const user = await findUserRow(trx, id, { forUpdate: true });
  if (!user || user.state === "deleted") throw new RpcError(Code.NotFound, `no user with id ${id} in your organisation`);
  return user;
}

export function userHandlers(deps: IdentityDeps): ServiceImpl<typeof UserService> {
  return {
    async createUser(request, context) {
      const { tenantId } = tenantOf(context.caller);
      const username = request.username.trim().toLowerCase();
      const password = request.initialPassword || generateInitialPassword();
      if (request.initialPassword) assertPasswordAcceptable(password, username, "initial_password");
      const passwordHash = await hashPassword(password);
      const user = await withTenant(deps.db, tenantId, async (trx) => {
        await assertGrantable(trx, tenantId, request.roles);
        if (request.managerId) {
          const manager = await findUserRow(trx, request.managerId);
          if (!manager || manager.state !== "active") throw RpcError.invalidArgument([{ field: "manager_id", description: "must be an active user of your organisation" }]);
        }
        const row = await insertUser(trx, deps.cipher, {
          id: randomUUID(),
          tenantId,
          username,
          displayName: request.displayName.trim(),
          email: request.email.trim(),
          roles: [...new Set(request.roles)],
          passwordHash,
          passwordChangeRequired: true,
          managerId: request.managerId || null,
        });
        if (!row) throw new RpcError(Code.AlreadyExists, `username ${username} is taken in your organisation: choose another`);
        await enqueueEvent(trx, identityEvents.userCreated, { organizationId: tenantId, userId: row.id, roles: row.roles });
        await recordAudit(trx, { tenantId, actor: auditActor(context), action: "identity.user.created", resource: { type: "user", id: row.id }, personalData: ["contact", "credentials"], details: { roles: row.roles.join(",") } });
        return decryptUser(trx, deps.cipher, row);
      });
      return { user: toUserMessage(user), initialPassword: request.initialPassword ? "" : password };
    },

    async getUser(request, context) {
      const { tenantId } = tenantOf(context.caller);
      const user = await withTenant(deps.db, tenantId, async (trx) => decryptUser(trx, deps.cipher, await liveUser(trx, request.id)));
      return { user: toUserMessage(user) };
    },

    async listUsers(request, context) {
      const { tenantId } = tenantOf(context.caller);
      const limit = pageSize(request.pageSize);
      const users = await withTenant(deps.db, tenantId, async (trx) => {
        const rows = await listUserRows(trx, limit + 1, pageToken.decode(request.pageToken));
        return Promise.all(rows.map((row) => decryptUser(trx, deps.cipher, row)));
      });
      const page = users.slice(0, limit);
      return { users: page.map(toUserMessage), nextPageToken: users.length > limit ? pageToken.encode(page.at(-1)?.username) : "" };
    },

    async updateUserRoles(request, context) {
      const { tenantId } = tenantOf(context.caller);
      const roles = [...new Set(request.roles)];
      const user = await withTenant(deps.db, tenantId, async (trx) => {
        await liveUser(trx, request.id);
        await assertGrantable(trx, tenantId, roles);
        const row = await changeRoles(trx, tenantId, request.id, roles);
        await recordAudit(trx, { tenantId, actor: auditActor(context), action: "identity.user.roles_changed", resource: { type: "user", id: request.id }, personalData: ["account"], details: { roles: roles.join(",") } });
        return decryptUser(trx, deps.cipher, row);
      });
      return { user: toUserMessage(user) };
    },

    async disableUser(request, context) {
      const { tenantId, subject } = tenantOf(context.caller);
      if (request.id === subject) throw new RpcError(Code.FailedPrecondition, "you cannot disable your own account: ask another administrator");
      const user = await withTenant(deps.db, tenantId, async (trx) => {
        await liveUser(trx, request.id);
        const row = await updateUser(trx, request.id, { state: "disabled" });
        await revokeUserSessions(trx, request.id, "disabled");
        const serviceAccounts = await deactivateAccountsOf(trx, request.id);
        await enqueueEvent(trx, identityEvents.userDisabled, { organizationId: tenantId, userId: request.id });
        await recordAudit(trx, { tenantId, actor: auditActor(context), action: "identity.user.disabled", resource: { type: "user", id: request.id }, personalData: ["account"], details: { serviceAccountsDeactivated: serviceAccounts } });
        return decryptUser(trx, deps.cipher, row!);
      });
      return { user: toUserMessage(user) };
    },

    async deleteUser(request, context) {
      const { tenantId, subject } = tenantOf(context.caller);
      if (request.id === subject) throw new RpcError(Code.FailedPrecondition, "you cannot delete your own account: ask another administrator");
      await withTenant(deps.db, tenantId, async (trx) => {
        const row = await liveUser(trx, request.id);
        await revokeUserSessions(trx, request.id, "deleted");
        await deactivateAccountsOf(trx, request.id);
        await eraseUser(trx, deps.cipher, row);
        await enqueueEvent(trx, identityEvents.userDeleted, { organizationId: tenantId, userId: request.id });
        await recordAudit(trx, { tenantId, actor: auditActor(context), action: "identity.user.deleted", resource: { type: "user", id: request.id }, personalData: ["contact", "credentials", "account"], details: { keyShredded: true } });
      });
      return {};
    },
  };
}

function idViolation(id: string): FieldViolation[] {
  return violations(required(id, "id") ?? uuid(id, "id"));
}

export function userService(deps: IdentityDeps) {
  return registerService(UserService, userHandlers(deps), {
    validate: {
      createUser: (r) =>
        violations(
          required(r.username, "username") ??
            (usernamePattern.test(r.username.trim().toLowerCase())
              ? undefined
              : { field: "username", description: "must be 2-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit" }),
          required(r.displayName, "display_name") ?? maxLength(r.displayName, 200, "display_name"),
          required(r.email, "email") ?? (emailPattern.test(r.email.trim()) ? undefined : { field: "email", description: "must be an e-mail address" }),
          r.managerId ? uuid(r.managerId, "manager_id") : undefined,
        ),
      getUser: (r) => idViolation(r.id),
      updateUserRoles: (r) => idViolation(r.id),
      disableUser: (r) => idViolation(r.id),
      deleteUser: (r) => idViolation(r.id),
    },
  });
}
