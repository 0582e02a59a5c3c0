import { runMigrateCommand } from "@switchboard/db";
import { grantRuntimePrivileges } from "./store/runtime-role.js";

// Migrations run as the owner (DATABASE_URL); the service itself runs as the
// narrower runtime role, which these grants define. With DATABASE_ADMIN_URL
// both roles are created first (the runtime role's password taken from
// RUNTIME_DATABASE_URL when given).
await runMigrateCommand({
  service: "audit-log",
  migrationsFolder: new URL("../migrations/", import.meta.url),
  databaseUrl: process.env.DATABASE_URL,
  adminUrl: process.env.DATABASE_ADMIN_URL,
  runtimeRole: { databaseUrl: process.env.RUNTIME_DATABASE_URL },
  async afterMigrate(db, log) {
    const role = await grantRuntimePrivileges(db);
    if (role) log.info({ event: "migrate.runtime_role_granted", role }, `runtime role ${role}: INSERT and SELECT on the trail`);
    else log.warn({ event: "migrate.no_runtime_role" }, "no runtime role <owner>_app: create it (DATABASE_ADMIN_URL, or make up) or the service will refuse to start");
  },
});
