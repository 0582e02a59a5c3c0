import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { OrganizationSchema, OrganizationState, UserSchema, UserState, type Organization, type User } from "@switchboard/proto/switchboard/identity/v1/resources_pb";
import type { OrganizationRow } from "../store/organizations.js";
import type { UserRecord } from "../store/users.js";

const userStates = { active: UserState.ACTIVE, disabled: UserState.DISABLED, deleted: UserState.DELETED } as const;

export function toUserMessage(user: UserRecord): User {
  return create(UserSchema, {
    id: user.id,
    organizationId: user.tenantId,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    roles: user.roles,
    state: userStates[user.state],
    totpEnrolled: user.totpEnrolled,
    managerId: user.managerId ?? "",
    passwordChangeRequired: user.passwordChangeRequired,
    createTime: timestampFromDate(user.createdAt),
    updateTime: timestampFromDate(user.updatedAt),
  });
}

export function toOrganizationMessage(org: OrganizationRow): Organization {
  return create(OrganizationSchema, {
    id: org.id,
    name: org.name,
    displayName: org.display_name,
    defaultRegion: org.default_region,
    residencyRegion: org.residency_region,
    requireMfa: org.require_mfa,
    staff: org.staff,
    state: org.state === "active" ? OrganizationState.ACTIVE : OrganizationState.TERMINATED,
    createTime: timestampFromDate(org.created_at),
    terminateTime: org.terminated_at ? timestampFromDate(org.terminated_at) : undefined,
  });
}

/** Opaque page tokens: the last key of the previous page, base64url. */
export const pageToken = {
  encode: (lastKey: string | undefined) => (lastKey === undefined ? "" : Buffer.from(lastKey).toString("base64url")),
  decode: (token: string) => (token === "" ? undefined : Buffer.from(token, "base64url").toString()),
};

export function pageSize(requested: number): number {
  return requested <= 0 ? 50 : Math.min(requested, 500);
}
