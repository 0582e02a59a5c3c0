import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { migrateToLatest } from "../migrate.js";
import { openDatabase } from "../open-database.js";
import { dropOwnedDatabase, dropRole, ensureOwnedDatabase, ensureRuntimeRole } from "../postgres-admin.js";
import { runtimeRoleOf } from "../service-database.js";

export interface CreateTestDatabaseOptions {
  /** Applied before the database is handed out. */
  migrationsFolder?: string | URL;
  /** Part of the database name, to recognise leftovers (`sbtest_<name>_<random>`). */
  name?: string;
  /** Superuser URL; defaults to the POSTGRES_URL environment variable. */
  adminUrl?: string;
  /** Also create the narrower runtime role (`<name>_app`) before migrating, as a service with one has. */
  runtimeRole?: boolean;
}

export interface TestDatabase<DB> {
  db: Kysely<DB>;
  /** Connection URL of the test's own non-superuser role (RLS applies to it). */
  url: string;
  adminUrl: string;
  /** Name of the database, which is also the name of its role. */
  name: string;
  /** With `runtimeRole`: the URL of `<name>_app`, the role such a service runs as. */
  runtimeUrl?: string;
  /** Closes `db` and drops the database (ending any session still on it) and the role. */
  destroy(): Promise<void>;
}

/**
 * A fresh database for one test file, owned by a fresh role that, like a
 * service's role, is not a superuser, so row-level security is in force.
 */
export async function createTestDatabase<DB = any>(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase<DB>> {
  const adminUrl = options.adminUrl ?? process.env.POSTGRES_URL;
  if (!adminUrl) {
    throw new Error(
      "POSTGRES_URL is not set: start the local infrastructure with `make infra` or set POSTGRES_URL " +
        "to a superuser URL such as postgres://postgres@127.0.0.1:15432/postgres",
    );
  }
  const label = (options.name ?? "").toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 30);
  const name = ["sbtest", label, randomBytes(6).toString("hex")].filter(Boolean).join("_");
  const owned = { role: name, database: name, password: randomBytes(12).toString("hex") };
  const url = await ensureOwnedDatabase(adminUrl, owned);
  const runtime = options.runtimeRole ? { role: runtimeRoleOf(name), database: name, password: randomBytes(12).toString("hex") } : undefined;
  const runtimeUrl = runtime ? await ensureRuntimeRole(adminUrl, runtime) : undefined;
  const db = openDatabase<DB>(url, { maxConnections: 5, applicationName: name });

  const destroy = async () => {
    await db.destroy();
    await dropOwnedDatabase(adminUrl, owned);
    if (runtime) await dropRole(adminUrl, runtime.role);
  };

  if (options.migrationsFolder !== undefined) {
    try {
      await migrateToLatest(db, options.migrationsFolder);
    } catch (err) {
      await destroy();
      throw err;
    }
  }
  return { db, url, adminUrl, name, destroy, ...(runtimeUrl ? { runtimeUrl } : {}) };
}
