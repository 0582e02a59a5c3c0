import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, withTenant } from "../src/index.js";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.js";
import { noteMigrations, type NoteDatabase } from "./fixtures/note-database.js";

describe("withTenant and row-level security", () => {
  let test: TestDatabase<NoteDatabase>;
  const tenantA = randomUUID();
  const tenantB = randomUUID();

  beforeAll(async () => {
    test = await createTestDatabase<NoteDatabase>({ name: "rls", migrationsFolder: noteMigrations });
    await withTenant(test.db, tenantA, (trx) =>
      trx.insertInto("note").values({ tenant_id: tenantA, body: "written for A" }).execute(),
    );
  });
  afterAll(async () => {
    await test?.destroy();
  });

  it("hides a row written for tenant A from tenant B even without a WHERE on tenant_id", async () => {
    const seenByB = await withTenant(test.db, tenantB, (trx) => trx.selectFrom("note").selectAll().execute());
    const seenByA = await withTenant(test.db, tenantA, (trx) => trx.selectFrom("note").selectAll().execute());
    expect(seenByB).toEqual([]);
    expect(seenByA.map((row) => row.body)).toEqual(["written for A"]);
  });

  it("keeps tenant B from changing or deleting tenant A's rows", async () => {
    const updated = await withTenant(test.db, tenantB, (trx) =>
      trx.updateTable("note").set({ body: "overwritten" }).executeTakeFirst(),
    );
    const deleted = await withTenant(test.db, tenantB, (trx) => trx.deleteFrom("note").executeTakeFirst());
    expect(updated.numUpdatedRows).toBe(0n);
    expect(deleted.numDeletedRows).toBe(0n);
  });

  it("refuses to insert a row for another tenant inside withTenant", async () => {
    await expect(
      withTenant(test.db, tenantA, (trx) =>
        trx.insertInto("note").values({ tenant_id: tenantB, body: "smuggled" }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("shows and accepts nothing without app.tenant_id, also on a connection a tenant used before", async () => {
    // One connection, so the query below runs where withTenant's setting lived.
    const single = openDatabase<NoteDatabase>(test.url, { maxConnections: 1 });
    try {
      await withTenant(single, tenantA, (trx) => trx.selectFrom("note").selectAll().execute());
      expect(await single.selectFrom("note").selectAll().execute()).toEqual([]);
      await expect(
        single.insertInto("note").values({ tenant_id: tenantA, body: "no tenant set" }).execute(),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await single.destroy();
    }
  });

  it("refuses a tenant id that is not a UUID before touching the database", async () => {
    let ran = false;
    const attempt = withTenant(test.db, "' or true --", async () => {
      ran = true;
    });
    await expect(attempt).rejects.toThrow(/tenant id must be a UUID/);
    expect(ran).toBe(false);
  });
});
