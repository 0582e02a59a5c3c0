import { declarePolicies, requires } from "@switchboard/authz";
import { DebugSessionService } from "@switchboard/proto/switchboard/support/v1/debug_sessions_pb";

/**
 * staff-support with a second factor starts, extends, ends and reads
 * (`support.debug_sessions.manage` is staff-only: the auth hook demands
 * `otp`). Tenant admins and auditors may list, and see only that a session
 * exists for one of their users.
 */
export const supportPolicies = declarePolicies(DebugSessionService, {
  startDebugSession: requires("support.debug_sessions.manage"),
  extendDebugSession: requires("support.debug_sessions.manage"),
  endDebugSession: requires("support.debug_sessions.manage"),
  readDebugLogs: requires("support.debug_sessions.manage"),
  listDebugSessions: requires("support.debug_sessions.view"),
});
