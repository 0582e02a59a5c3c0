import type { Kysely } from "kysely";
import { consoleLogger, describeError, type Logger } from "./logger.js";
import { migrateToLatest } from "./migrate.js";
import { openDatabase } from "./open-database.js";
import { ensureServiceDatabase } from "./service-database.js";

export interface MigrateCommandOptions {
  /** The service's name, e.g. `recognition`. */
  service: string;
  migrationsFolder: string | URL;
  /** The service's own connection URL (its non-superuser role). */
  databaseUrl?: string;
  /**
   * A superuser URL: when given, the service's role and database are created
   * first (idempotently), with the password taken from `databaseUrl` if any.
   */
  adminUrl?: string;
  /**
   * With `adminUrl`: also create the service's runtime role
   * (`sb_<service>_app`), with the password of this URL if it has one, so
   * the migrations can grant it its narrower privileges.
   */
  runtimeRole?: { databaseUrl?: string };
  /** Runs after the migrations on every run, e.g. to (re)grant a runtime role its privileges. */
  afterMigrate?: (db: Kysely<any>, log: Logger) => Promise<void>;
  log?: Logger;
}

/**
 * The body of a service's `src/migrate.ts`: brings its database to the latest
 * migration, logs progress and sets the process exit code (0 or 1). It never
 * throws, so a script can simply `await runMigrateCommand(...)`.
 */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<void> {
  const log = options.log ?? consoleLogger;
  try {
    const url = await resolveDatabaseUrl(options, log);
    const db = openDatabase(url, { maxConnections: 1, applicationName: `${options.service}-migrate`, log });
    try {
      await migrateToLatest(db, options.migrationsFolder, { log });
      await options.afterMigrate?.(db, log);
    } finally {
      await db.destroy();
    }
    process.exitCode = 0;
  } catch (err) {
    // A failed migration was logged by migrateToLatest already; this line also
    // covers a missing URL or an unreachable database, and states the outcome.
    const reason = describeError(err);
    log.error({ event: "migrate.failed", service: options.service, ...reason }, `migrate ${options.service}: failed: ${reason.message}`);
    process.exitCode = 1;
  }
}

async function resolveDatabaseUrl(options: MigrateCommandOptions, log: Logger): Promise<string> {
  if (options.adminUrl) {
    const password = options.databaseUrl ? decodeURIComponent(new URL(options.databaseUrl).password) : "";
    const runtimePassword = options.runtimeRole?.databaseUrl ? decodeURIComponent(new URL(options.runtimeRole.databaseUrl).password) : "";
    const ensured = await ensureServiceDatabase(options.adminUrl, options.service, {
      ...(password ? { password } : {}),
      ...(options.runtimeRole ? { runtimeRole: runtimePassword ? { password: runtimePassword } : {} } : {}),
    });
    log.info({ event: "migrate.database_ready", database: ensured.database }, `database ${ensured.database}: ready`);
    return options.databaseUrl ?? ensured.url;
  }
  if (!options.databaseUrl) {
    throw new Error(`no database URL for ${options.service}: set the service's DATABASE_URL`);
  }
  return options.databaseUrl;
}
