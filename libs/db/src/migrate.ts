import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Migrator, type Kysely } from "kysely";
import { FolderMigrationProvider } from "./folder-migration-provider.js";
import { describeError, silentLogger, type Logger } from "./logger.js";

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    message: string,
    /** The migration that failed, when one did (not for e.g. a missing folder). */
    readonly migration: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Applies every pending migration of `migrationsFolder` (kysely files named by
 * timestamp and intent, exporting `up` and optionally `down`; `.ts` under
 * tsx/vitest or compiled `.js`; `.d.ts` and `.map` files are ignored) and
 * returns the names it applied.
 *
 * kysely holds an advisory lock while migrating, so several replicas or a Helm
 * hook Job may run this at once; on PostgreSQL all pending migrations run in
 * one transaction, so a failure leaves the schema as it was.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  migrationsFolder: string | URL,
  options: { log?: Logger } = {},
): Promise<string[]> {
  const log = options.log ?? silentLogger;
  const folder = typeof migrationsFolder === "string" ? path.resolve(migrationsFolder) : fileURLToPath(migrationsFolder);
  await assertFolder(folder);

  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(folder) });
  const { error, results = [] } = await migrator.migrateToLatest();

  if (error !== undefined) {
    const failed = results.find((result) => result.status === "Error")?.migrationName;
    const reason = describeError(error).message;
    const message = failed
      ? `migration ${failed} failed: ${reason} (no migration of this run was kept)`
      : `migrations failed: ${reason}`;
    log.error({ event: "migration.failed", migration: failed, ...describeError(error) }, message);
    throw new MigrationError(message, failed, { cause: error });
  }

  const applied = results.filter((result) => result.status === "Success").map((result) => result.migrationName);
  for (const name of applied) {
    log.info({ event: "migration.applied", migration: name }, `migration ${name}: applied`);
  }
  if (applied.length === 0) {
    log.info({ event: "migration.up_to_date" }, "migrations: already up to date");
  }
  return applied;
}

async function assertFolder(folder: string): Promise<void> {
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new MigrationError(`migrations folder ${folder} does not exist or is not a directory`, undefined);
  }
}
