import pg from "pg";

/** What a superuser connection needs to give one owner its own database. */
export interface OwnedDatabase {
  role: string;
  database: string;
  password?: string;
}

// Codes Postgres raises when a concurrent caller created the object first.
const ALREADY_EXISTS = new Set(["42710", "42P04", "23505"]);

/** Connects to the admin URL, with a message saying what to do when it fails. */
export async function connectAdmin(adminUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: "switchboard-admin" });
  // Without a listener, a server-side termination would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    const target = describeTarget(adminUrl);
    throw new Error(
      `cannot connect to PostgreSQL at ${target}: ${(err as Error).message}; ` +
        "start the local infrastructure with `make infra` or check the admin database URL",
      { cause: err },
    );
  }
  return client;
}

/**
 * Idempotently creates a LOGIN role without any privilege that would bypass
 * row-level security, and a database it owns that no other role may connect
 * to. Safe to run concurrently (a Helm hook and a developer's `make up`).
 */
export async function ensureOwnedDatabase(adminUrl: string, target: OwnedDatabase): Promise<string> {
  const client = await connectAdmin(adminUrl);
  try {
    const role = client.escapeIdentifier(target.role);
    const database = client.escapeIdentifier(target.database);
    const password = target.password === undefined ? "" : ` PASSWORD ${client.escapeLiteral(target.password)}`;
    const attributes = `LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION${password}`;

    const roleExists = await client.query("select 1 from pg_roles where rolname = $1", [target.role]);
    if (roleExists.rowCount === 0) {
      await ignoreAlreadyExists(client.query(`CREATE ROLE ${role} ${attributes}`));
    }
    // Also for a role that already existed: re-assert the attributes, so a
    // role someone widened by hand is narrowed again.
    await client.query(`ALTER ROLE ${role} ${attributes}`);

    const databaseExists = await client.query("select 1 from pg_database where datname = $1", [target.database]);
    if (databaseExists.rowCount === 0) {
      await ignoreAlreadyExists(client.query(`CREATE DATABASE ${database} OWNER ${role}`));
    }
    await client.query(`ALTER DATABASE ${database} OWNER TO ${role}`);
    await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    return connectionUrl(adminUrl, target);
  } finally {
    await client.end();
  }
}

/**
 * Idempotently creates a second LOGIN role for a database, with the same
 * restricted attributes and CONNECT on that database only, for a service
 * whose runtime must hold fewer privileges than the owner that runs its
 * migrations (the audit log: INSERT and SELECT only). The owner's
 * migrations grant it what it may do on each table.
 */
export async function ensureRuntimeRole(adminUrl: string, target: { role: string; database: string; password?: string }): Promise<string> {
  const client = await connectAdmin(adminUrl);
  try {
    const role = client.escapeIdentifier(target.role);
    const password = target.password === undefined ? "" : ` PASSWORD ${client.escapeLiteral(target.password)}`;
    const attributes = `LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION${password}`;
    const roleExists = await client.query("select 1 from pg_roles where rolname = $1", [target.role]);
    if (roleExists.rowCount === 0) {
      await ignoreAlreadyExists(client.query(`CREATE ROLE ${role} ${attributes}`));
    }
    await client.query(`ALTER ROLE ${role} ${attributes}`);
    await client.query(`GRANT CONNECT ON DATABASE ${client.escapeIdentifier(target.database)} TO ${role}`);
    return connectionUrl(adminUrl, target);
  } finally {
    await client.end();
  }
}

/** Drops a role made by ensureRuntimeRole once its database is gone. */
export async function dropRole(adminUrl: string, role: string): Promise<void> {
  const client = await connectAdmin(adminUrl);
  try {
    await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(role)}`);
  } finally {
    await client.end();
  }
}

/** Drops the database (disconnecting its sessions) and then its role. */
export async function dropOwnedDatabase(adminUrl: string, target: OwnedDatabase): Promise<void> {
  const client = await connectAdmin(adminUrl);
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(target.database)} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(target.role)}`);
  } finally {
    await client.end();
  }
}

/** The admin URL's host, port and options with the owner's credentials and database. */
export function connectionUrl(adminUrl: string, target: OwnedDatabase): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(target.role);
  url.password = target.password === undefined ? "" : encodeURIComponent(target.password);
  url.pathname = `/${encodeURIComponent(target.database)}`;
  return url.toString();
}

/** host:port of a URL, never its credentials: safe for error messages. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}`;
  } catch {
    return "(unparsable URL)";
  }
}

async function ignoreAlreadyExists(query: Promise<unknown>): Promise<void> {
  try {
    await query;
  } catch (err) {
    if (!ALREADY_EXISTS.has((err as { code?: string }).code ?? "")) throw err;
  }
}
