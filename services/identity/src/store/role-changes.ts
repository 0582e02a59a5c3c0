import { enqueueEvent } from "@switchboard/events";
import type { Transaction } from "kysely";
import { identityEvents } from "../events/identity-events.js";
import type { IdentityDatabase } from "./schema.js";
import { revokeUserSessions } from "./sessions.js";
import { updateUser, type UserRow } from "./users.js";

/**
 * Replaces a user's roles. A role change takes effect now, not when the
 * access token expires: every session ends and the user signs in again with
 * the new roles. Used by UpdateUserRoles and by access reviews.
 */
export async function changeRoles(trx: Transaction<IdentityDatabase>, tenantId: string, userId: string, roles: string[]): Promise<UserRow> {
  const row = await updateUser(trx, userId, { roles });
  const sessionIds = await revokeUserSessions(trx, userId, "roles_changed");
  await enqueueEvent(trx, identityEvents.userRolesChanged, { organizationId: tenantId, userId, roles });
  await enqueueEvent(trx, identityEvents.sessionsRevoked, { organizationId: tenantId, userId, reason: "roles_changed", sessionIds });
  return row!;
}
