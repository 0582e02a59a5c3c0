import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { describeError, silentLogger, type Logger } from "./logger.js";

export interface OpenDatabaseOptions {
  /** Pool size; keep replicas × maxConnections under the server's max_connections. */
  maxConnections?: number;
  /** Shown in pg_stat_activity, so a DBA can tell services apart. */
  applicationName?: string;
  log?: Logger;
}

/** A kysely instance over a pg pool. Close it with `db.destroy()`. */
export function openDatabase<DB>(url: string, options: OpenDatabaseOptions = {}): Kysely<DB> {
  const log = options.log ?? silentLogger;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client whose server connection dies (restart, failover, a test's
  // DROP DATABASE ... WITH (FORCE)) emits 'error' on the pool; unhandled, that
  // would crash the process. The pool replaces the client on next checkout.
  pool.on("error", (err) => {
    log.warn({ event: "db.idle_client_error", ...describeError(err) }, "idle database connection lost");
  });
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** Readiness probe: resolves when the database answers, throws when it does not. */
export async function pingDatabase(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}
