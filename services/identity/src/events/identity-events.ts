import { defineEvent } from "@switchboard/events";
import {
  OrganizationCreatedSchema,
  OrganizationTerminatedSchema,
  SessionsRevokedSchema,
  UserCreatedSchema,
  UserDeletedSchema,
  UserDisabledSchema,
  UserRolesChangedSchema,
} from "@switchboard/proto/switchboard/identity/v1/events_pb";

/** Everything identity publishes, on stream SWITCHBOARD_IDENTITY (`switchboard.identity.>`). */
export const identityEvents = {
  organizationCreated: defineEvent("switchboard.identity.organization.created", OrganizationCreatedSchema),
  organizationTerminated: defineEvent("switchboard.identity.organization.terminated", OrganizationTerminatedSchema),
  userCreated: defineEvent("switchboard.identity.user.created", UserCreatedSchema),
  userRolesChanged: defineEvent("switchboard.identity.user.roles_changed", UserRolesChangedSchema),
  userDisabled: defineEvent("switchboard.identity.user.disabled", UserDisabledSchema),
  userDeleted: defineEvent("switchboard.identity.user.deleted", UserDeletedSchema),
  sessionsRevoked: defineEvent("switchboard.identity.session.revoked", SessionsRevokedSchema),
};

export const identityStream = { name: "SWITCHBOARD_IDENTITY", subjects: ["switchboard.identity.>"] };
