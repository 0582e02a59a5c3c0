/**
 * Every permission an RPC can require. Need-to-know and need-to-do: each role
 * gets only what its holders' work needs, and staff get no access to
 * recognition data (contact details of customers' callers) at all.
 */
export const permissions = [
  "identity.users.read",
  "identity.users.manage",
  "identity.organizations.manage",
  "identity.service_accounts.manage",
  "identity.access_reviews.manage",
  "identity.access_reviews.attest",
  "recognition.lookup",
  "recognition.sources.manage",
  "recognition.sync",
  "telephony.dial",
  "telephony.connections.manage",
  "screenpop.watch",
  "screenpop.scripts.manage",
  "audit.read",
  "audit.read_any_tenant",
  "support.debug_sessions.view",
  "support.debug_sessions.manage",
  "privacy.requests.manage",
] as const;

export type Permission = (typeof permissions)[number];

/** Permissions that reach across tenants or into support tooling: they also need a second factor (`amr` has `otp`). */
export const staffOnlyPermissions: ReadonlySet<Permission> = new Set<Permission>([
  "identity.organizations.manage",
  "audit.read_any_tenant",
  "support.debug_sessions.manage",
  "privacy.requests.manage",
]);

/** The one table of roles. Documented in README.md; keep them in step. */
export const rolePermissions: Readonly<Record<string, readonly Permission[]>> = {
  agent: ["recognition.lookup", "telephony.dial", "screenpop.watch", "identity.access_reviews.attest"],
  "tenant-admin": [
    "identity.users.read",
    "identity.users.manage",
    "identity.service_accounts.manage",
    "identity.access_reviews.manage",
    "identity.access_reviews.attest",
    "recognition.lookup",
    "recognition.sources.manage",
    "recognition.sync",
    "telephony.dial",
    "telephony.connections.manage",
    "screenpop.watch",
    "screenpop.scripts.manage",
    "audit.read",
    "support.debug_sessions.view",
  ],
  "tenant-auditor": ["identity.users.read", "audit.read", "support.debug_sessions.view"],
  "sync-agent": ["recognition.sync"],
  "staff-support": ["support.debug_sessions.manage", "support.debug_sessions.view"],
  "staff-admin": [
    "identity.organizations.manage",
    "identity.users.read",
    "identity.users.manage",
    "identity.access_reviews.manage",
    "identity.access_reviews.attest",
  ],
  "staff-dpo": ["audit.read", "audit.read_any_tenant", "privacy.requests.manage"],
};

export const staffRoles: readonly string[] = ["staff-support", "staff-admin", "staff-dpo"];

export function isStaffRole(role: string): boolean {
  return staffRoles.includes(role);
}

/** Union of the roles' permissions; unknown roles grant nothing. */
export function permissionsOf(roles: readonly string[]): Set<Permission> {
  return new Set(roles.flatMap((role) => rolePermissions[role] ?? []));
}
