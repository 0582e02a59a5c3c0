import { declarePolicies, requires } from "@switchboard/authz";
import { AuditService } from "@switchboard/proto/switchboard/audit/v1/audit_pb";

/** Tenant admins and auditors read their own trail; staff-dpo (with otp) may name any tenant; agents see nothing. */
export const auditPolicies = declarePolicies(AuditService, {
  queryEvents: requires("audit.read"),
  exportEvents: requires("audit.read"),
  verifyChain: requires("audit.read"),
  listCheckpoints: requires("audit.read"),
});
