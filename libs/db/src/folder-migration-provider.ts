import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Migration, MigrationProvider } from "kysely";

const MIGRATION_FILE = /^(?!.*\.d\.[cm]?ts$).*\.(?:[cm]?js|[cm]?ts)$/;

/**
 * Reads a folder of kysely migrations like kysely's FileMigrationProvider, but
 * imports them from this module rather than from inside node_modules: under
 * vitest only code outside node_modules goes through its TypeScript
 * transform, so kysely's own import() cannot load `.ts` migrations there.
 */
export class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.folder)).filter((file) => MIGRATION_FILE.test(file)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const name = file.slice(0, file.lastIndexOf("."));
      const loaded: unknown = await import(pathToFileURL(path.join(this.folder, file)).href);
      const migration = asMigration(loaded) ?? asMigration((loaded as { default?: unknown }).default);
      if (!migration) {
        throw new Error(`migration file ${file} exports no up() function`);
      }
      if (migrations[name]) {
        throw new Error(`migration ${name} exists twice in ${this.folder} (compiled and source?)`);
      }
      migrations[name] = migration;
    }
    return migrations;
  }
}

function asMigration(candidate: unknown): Migration | undefined {
  if (typeof candidate === "object" && candidate !== null && typeof (candidate as Migration).up === "function") {
    return candidate as Migration;
  }
  return undefined;
}
