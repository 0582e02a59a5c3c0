import { defineEvent } from "@switchboard/events";
import { OrganizationCreatedSchema, OrganizationTerminatedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";

/** The identity events recognition consumes (identity publishes them on SWITCHBOARD_IDENTITY). */
export const organizationCreated = defineEvent("switchboard.identity.organization.created", OrganizationCreatedSchema);
export const organizationTerminated = defineEvent("switchboard.identity.organization.terminated", OrganizationTerminatedSchema);
export const identityStream = { name: "SWITCHBOARD_IDENTITY", subjects: ["switchboard.identity.>"] };
