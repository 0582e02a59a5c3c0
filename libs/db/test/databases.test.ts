import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { ensureServiceDatabase, openDatabase, pingDatabase } from "../src/index.js";
import { createTestDatabase } from "../src/testing/index.js";

function adminUrl(): string {
  const url = process.env.POSTGRES_URL;
  if (!url) throw new Error("POSTGRES_URL is not set: start the local infrastructure with `make infra`");
  return url;
}

async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe("ensureServiceDatabase", () => {
  it("creates a non-superuser role owning the service database, idempotently", async () => {
    const service = `it-svc-${randomBytes(4).toString("hex")}`;
    const stem = service.replaceAll("-", "_");
    try {
      const first = await ensureServiceDatabase(adminUrl(), service, { password: "s3cret'pass" });
      const second = await ensureServiceDatabase(adminUrl(), service, { password: "s3cret'pass" });
      expect(second).toEqual(first);
      expect(first).toMatchObject({ role: `sb_${stem}`, database: `switchboard_${stem}` });

      const role = await asAdmin(async (client) => {
        const { rows } = await client.query(
          `select r.rolsuper, r.rolbypassrls, r.rolcreatedb, r.rolcreaterole, r.rolcanlogin,
                  pg_get_userbyid(d.datdba) as owner
             from pg_roles r, pg_database d where r.rolname = $1 and d.datname = $2`,
          [first.role, first.database],
        );
        return rows[0];
      });
      expect(role).toEqual({
        rolsuper: false,
        rolbypassrls: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolcanlogin: true,
        owner: first.role,
      });

      const db = openDatabase(first.url);
      try {
        await pingDatabase(db);
        await db.schema.createTable("owned_by_service").addColumn("id", "integer").execute();
        const { rows } = await sql<{ user: string }>`select current_user as user`.execute(db);
        expect(rows[0]?.user).toBe(first.role);
      } finally {
        await db.destroy();
      }
    } finally {
      await asAdmin(async (client) => {
        await client.query(`drop database if exists ${client.escapeIdentifier(`switchboard_${stem}`)} with (force)`);
        await client.query(`drop role if exists ${client.escapeIdentifier(`sb_${stem}`)}`);
      });
    }
  });

  it("refuses a service name that is not [a-z][a-z0-9_-]*", async () => {
    for (const name of ["Recognition", "1st", 'x"; drop role postgres; --', ""]) {
      await expect(ensureServiceDatabase(adminUrl(), name)).rejects.toThrow(/must match \[a-z\]\[a-z0-9_-\]\*/);
    }
  });
});

describe("createTestDatabase", () => {
  it("gives each caller its own database that other test roles cannot reach", async () => {
    const one = await createTestDatabase({ name: "isolated_one" });
    const two = await createTestDatabase({ name: "isolated_two" });
    try {
      expect(one.url).not.toBe(two.url);
      await one.db.schema.createTable("only_in_one").addColumn("id", "integer").execute();
      const { rows } = await sql<{ found: string | null }>`select to_regclass('only_in_one') as found`.execute(two.db);
      expect(rows[0]?.found).toBeNull();

      // two's role pointed at one's database
      const trespass = new URL(two.url);
      trespass.pathname = `/${one.name}`;
      const intruder = openDatabase(trespass.toString(), { maxConnections: 1 });
      try {
        await expect(pingDatabase(intruder)).rejects.toThrow(/permission denied for database/);
      } finally {
        await intruder.destroy();
      }
    } finally {
      await one.destroy();
      await two.destroy();
    }
  });

  it("drops its database and role on destroy, even with sessions still open", async () => {
    const test = await createTestDatabase({ name: "dropped" });
    const lingering = new pg.Client({ connectionString: test.url });
    lingering.on("error", () => {});
    await lingering.connect();
    await test.destroy();
    const left = await asAdmin(async (client) => {
      const { rows } = await client.query(
        "select (select count(*) from pg_database where datname = $1)::int as databases, (select count(*) from pg_roles where rolname = $1)::int as roles",
        [test.name],
      );
      return rows[0];
    });
    expect(left).toEqual({ databases: 0, roles: 0 });
    await lingering.end().catch(() => {});
  });

  it("says how to get a database when POSTGRES_URL is missing", async () => {
    const saved = process.env.POSTGRES_URL;
    delete process.env.POSTGRES_URL;
    try {
      await expect(createTestDatabase()).rejects.toThrow(/make infra.*or set POSTGRES_URL/);
    } finally {
      process.env.POSTGRES_URL = saved;
    }
  });
});

describe("pingDatabase", () => {
  it("throws when the database does not answer", async () => {
    const db = openDatabase("postgres://nobody@127.0.0.1:1/nothing", { maxConnections: 1 });
    try {
      await expect(pingDatabase(db)).rejects.toThrow();
    } finally {
      await db.destroy();
    }
  });
});
