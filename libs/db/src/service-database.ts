import { ensureOwnedDatabase, ensureRuntimeRole } from "./postgres-admin.js";

const SERVICE_NAME = /^[a-z][a-z0-9_-]*$/;

export interface ServiceDatabase {
  /** Connection URL for the service: its own role, its own database. */
  url: string;
  role: string;
  database: string;
  /** With `runtimeRole`: the URL of the role the service runs as (`sb_<service>_app`). */
  runtimeUrl?: string;
}

/** The runtime role of a database owner: `sb_audit_log` → `sb_audit_log_app`. */
export function runtimeRoleOf(ownerRole: string): string {
  return `${ownerRole}_app`;
}

/**
 * Idempotently gives a service its own non-superuser role `sb_<service>` and
 * a database `switchboard_<service>` owned by it, using a superuser (admin)
 * URL. Services must connect as this role (or, with `runtimeRole`, as the
 * narrower `sb_<service>_app`): superusers and BYPASSRLS roles skip
 * row-level security.
 */
export async function ensureServiceDatabase(
  adminUrl: string,
  serviceName: string,
  options: { password?: string; runtimeRole?: { password?: string } } = {},
): Promise<ServiceDatabase> {
  const { role, database } = serviceDatabaseNames(serviceName);
  const url = await ensureOwnedDatabase(adminUrl, {
    role,
    database,
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  if (!options.runtimeRole) return { url, role, database };
  const runtimeUrl = await ensureRuntimeRole(adminUrl, {
    role: runtimeRoleOf(role),
    database,
    ...(options.runtimeRole.password === undefined ? {} : { password: options.runtimeRole.password }),
  });
  return { url, role, database, runtimeUrl };
}

/** The role and database names of a service (`recognition` → `sb_recognition`, `switchboard_recognition`). */
export function serviceDatabaseNames(serviceName: string): { role: string; database: string } {
  if (!SERVICE_NAME.test(serviceName) || serviceName.length > 48) {
    throw new TypeError(
      `service name ${JSON.stringify(serviceName)} must match [a-z][a-z0-9_-]* and be at most 48 characters`,
    );
  }
  const stem = serviceName.replaceAll("-", "_");
  return { role: `sb_${stem}`, database: `switchboard_${stem}` };
}
