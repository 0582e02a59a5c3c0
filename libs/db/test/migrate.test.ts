import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.js";
import { MigrationError, migrateToLatest, openDatabase, runMigrateCommand } from "../src/index.js";
import { noteMigrations } from "./fixtures/note-database.js";
import { recordingLogger } from "./fixtures/recording-logger.js";

async function tableExists(test: TestDatabase<unknown>, table: string): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${table}) as found`.execute(test.db);
  return rows[0]?.found != null;
}

describe("migrateToLatest", () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "sb-migrations-"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("applies each migration once and nothing on a second run", async () => {
    const test = await createTestDatabase({ name: "migrate_once" });
    try {
      const log = recordingLogger();
      const first = await migrateToLatest(test.db, noteMigrations, { log });
      expect(first).toEqual(["20261125_001_create_note", "20261125_002_add_note_created_at"]);
      expect(log.lines.map((line) => line.msg)).toEqual([
        "migration 20261125_001_create_note: applied",
        "migration 20261125_002_add_note_created_at: applied",
      ]);

      const second = await migrateToLatest(test.db, noteMigrations, { log });
      expect(second).toEqual([]);
      expect(log.lines.at(-1)?.msg).toBe("migrations: already up to date");
      expect(await tableExists(test, "note")).toBe(true);
    } finally {
      await test.destroy();
    }
  });

  it("lets several replicas migrate at once without applying anything twice", async () => {
    const test = await createTestDatabase({ name: "migrate_replicas" });
    const replicas = [0, 1, 2].map(() => openDatabase(test.url, { maxConnections: 2 }));
    try {
      const applied = await Promise.all(replicas.map((db) => migrateToLatest(db, noteMigrations)));
      expect(applied.flat().sort()).toEqual(["20261125_001_create_note", "20261125_002_add_note_created_at"]);
    } finally {
      await Promise.all(replicas.map((db) => db.destroy()));
      await test.destroy();
    }
  });

  it("runs compiled .js migrations and ignores .d.ts and .map files", async () => {
    const folder = path.join(scratch, "compiled");
    await rm(folder, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(folder));
    await writeFile(
      path.join(folder, "20261125_001_create_widget.js"),
      "export async function up(db) { await db.schema.createTable('widget').addColumn('id', 'integer').execute(); }\n",
    );
    await writeFile(path.join(folder, "20261125_001_create_widget.d.ts"), "this is not JavaScript {\n");
    await writeFile(path.join(folder, "20261125_001_create_widget.js.map"), "{ not: json\n");

    const test = await createTestDatabase({ name: "migrate_js" });
    try {
      expect(await migrateToLatest(test.db, folder)).toEqual(["20261125_001_create_widget"]);
      expect(await tableExists(test, "widget")).toBe(true);
    } finally {
      await test.destroy();
    }
  });

  it("names the failing migration with its error and keeps none of the run", async () => {
    const folder = path.join(scratch, "failing");
    await rm(folder, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(folder));
    await writeFile(
      path.join(folder, "20261125_001_create_gadget.js"),
      "export async function up(db) { await db.schema.createTable('gadget').addColumn('id', 'integer').execute(); }\n",
    );
    await writeFile(
      path.join(folder, "20261125_002_break.js"),
      "export async function up(db) { await db.schema.alterTable('no_such_table').addColumn('x', 'text').execute(); }\n",
    );

    const test = await createTestDatabase({ name: "migrate_fail" });
    try {
      const log = recordingLogger();
      const failure = await migrateToLatest(test.db, folder, { log }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(MigrationError);
      expect((failure as MigrationError).migration).toBe("20261125_002_break");
      expect((failure as Error).message).toMatch(/^migration 20261125_002_break failed: .*no_such_table.* does not exist/);
      expect(log.lines.some((line) => line.level === "error" && line.msg === (failure as Error).message)).toBe(true);
      expect(await tableExists(test, "gadget")).toBe(false);
    } finally {
      await test.destroy();
    }
  });

  it("refuses a migrations folder that does not exist", async () => {
    const test = await createTestDatabase({ name: "migrate_nofolder" });
    try {
      await expect(migrateToLatest(test.db, path.join(scratch, "missing"))).rejects.toThrow(/does not exist/);
    } finally {
      await test.destroy();
    }
  });
});

describe("runMigrateCommand", () => {
  it("exits 0 after migrating and 1 when the database is unreachable", async () => {
    const test = await createTestDatabase({ name: "migrate_cmd" });
    const previous = process.exitCode;
    try {
      const log = recordingLogger();
      await runMigrateCommand({ service: "notes", migrationsFolder: noteMigrations, databaseUrl: test.url, log });
      expect(process.exitCode).toBe(0);
      expect(log.lines.map((line) => line.msg)).toContain("migration 20261125_001_create_note: applied");

      await runMigrateCommand({
        service: "notes",
        migrationsFolder: noteMigrations,
        databaseUrl: "postgres://nobody@127.0.0.1:1/nothing",
        log,
      });
      expect(process.exitCode).toBe(1);
      expect(log.lines.at(-1)).toMatchObject({ level: "error", obj: { event: "migrate.failed", service: "notes" } });
    } finally {
      process.exitCode = previous;
      await test.destroy();
    }
  });
});
