/** Roles as identity grants them; what each may do is libs/authz's permission table. */
export const tenantRoles = ["tenant-admin", "agent", "tenant-auditor"] as const;
export const staffRoles = ["staff-support", "staff-admin", "staff-dpo"] as const;
/** Roles a functional account may hold: machines get only what their job needs. */
export const serviceAccountRoles = ["sync-agent"] as const;

export function isStaff(roles: readonly string[]): boolean {
  return roles.some((role) => (staffRoles as readonly string[]).includes(role));
}

/** Roles that may be granted in an organisation: staff roles only in the staff organisation. */
export function grantableRoles(staffOrganization: boolean): readonly string[] {
  return staffOrganization ? staffRoles : tenantRoles;
}
