import { runMigrateCommand } from "@switchboard/db";

await runMigrateCommand({
  service: "screenpop",
  migrationsFolder: new URL("../migrations/", import.meta.url),
  databaseUrl: process.env.DATABASE_URL,
  adminUrl: process.env.DATABASE_ADMIN_URL,
});
