import { ensureOwnedDatabase } from "./postgres-admin.js";

const SERVICE_NAME = /^[a-z][a-z0-9_-]*$/;

export interface ServiceDatabase {
  /** Connection URL for the service: its own role, its own database. */
  url: string;
  role: string;
  database: string;
}

/**
 * Idempotently gives a service its own non-superuser role `sb_<service>` and
 * a database `switchboard_<service>` owned by it, using a superuser (admin)
 * URL. Services must connect as this role: superusers and BYPASSRLS roles
 * skip row-level security.
 */
export async function ensureServiceDatabase(
  adminUrl: string,
  serviceName: string,
  options: { password?: string } = {},
): Promise<ServiceDatabase> {
  const { role, database } = serviceDatabaseNames(serviceName);
  const url = await ensureOwnedDatabase(adminUrl, {
    role,
    database,
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  return { url, role, database };
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
