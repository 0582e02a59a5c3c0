import { randomUUID } from "node:crypto";
import { withTenant } from "@switchboard/db";
import type { TestDatabase } from "@switchboard/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, localKeyWrapper, type KeyWrapper, type TenantKeysDatabase } from "../src/index.js";
import { createKeyDatabase, generateKek, readAllKeyRows } from "./fixtures/key-database.js";

describe("key storage", () => {
  let test: TestDatabase<TenantKeysDatabase>;
  let wrapper: KeyWrapper;

  beforeAll(async () => {
    test = await createKeyDatabase("key_isolation");
    wrapper = localKeyWrapper(generateKek());
  });
  afterAll(async () => {
    await test?.destroy();
  });

  it("ends concurrent first uses of a scope with one key that decrypts everything", async () => {
    const tenant = randomUUID();
    // Separate keyrings stand for separate replicas: no shared cache.
    const rings = Array.from({ length: 4 }, () => createKeyring({ wrapper }));
    const ciphertexts = await Promise.all(
      rings.map((ring, n) =>
        withTenant(test.db, tenant, (trx) => ring.encrypt(trx, tenant, "tenant", `value ${n}`, "contact.name:1")),
      ),
    );
    const indexes = await Promise.all(
      rings.map((ring) => withTenant(test.db, tenant, (trx) => ring.blindIndex(trx, tenant, "+441632960961"))),
    );

    const rows = (await readAllKeyRows(test)).filter((row) => row.tenant_id === tenant);
    expect(rows.map((row) => [row.scope, row.purpose, row.version])).toEqual([
      ["tenant", "data", 1],
      ["tenant", "index", 1],
    ]);
    const reader = createKeyring({ wrapper });
    const plaintexts = await withTenant(test.db, tenant, (trx) =>
      Promise.all(ciphertexts.map((c) => reader.decrypt(trx, tenant, "tenant", c, "contact.name:1"))),
    );
    expect(plaintexts).toEqual(["value 0", "value 1", "value 2", "value 3"]);
    expect(indexes.every((index) => index.equals(indexes[0]!))).toBe(true);
  });

  it("does not keep a key whose creating transaction rolled back", async () => {
    const tenant = randomUUID();
    const keyring = createKeyring({ wrapper });
    const rollback = new Error("the insert after encrypting failed");
    await expect(
      withTenant(test.db, tenant, async (trx) => {
        await keyring.encrypt(trx, tenant, "user:ada", "lost", "users.email:ada");
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect((await readAllKeyRows(test)).filter((row) => row.tenant_id === tenant)).toEqual([]);

    // The same keyring must create (and store) the key again rather than reuse one that exists nowhere.
    const ciphertext = await withTenant(test.db, tenant, (trx) =>
      keyring.encrypt(trx, tenant, "user:ada", "kept", "users.email:ada"),
    );
    const fresh = createKeyring({ wrapper });
    expect(
      await withTenant(test.db, tenant, (trx) => fresh.decrypt(trx, tenant, "user:ada", ciphertext, "users.email:ada")),
    ).toBe("kept");
  });

  it("hides tenant A's key rows from tenant B and from a transaction without a tenant", async () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const keyring = createKeyring({ wrapper });
    await withTenant(test.db, tenantA, (trx) => keyring.encrypt(trx, tenantA, "tenant", "A's secret", "f"));

    const seenByB = await withTenant(test.db, tenantB, (trx) =>
      trx.selectFrom("tenant_key").selectAll().where("tenant_id", "=", tenantA).execute(),
    );
    const seenByA = await withTenant(test.db, tenantA, (trx) => trx.selectFrom("tenant_key").selectAll().execute());
    const seenUnscoped = await test.db.selectFrom("tenant_key").selectAll().execute();
    expect(seenByB).toEqual([]);
    expect(seenByA).toHaveLength(1);
    expect(seenUnscoped).toEqual([]);

    const destroyedByB = await withTenant(test.db, tenantB, (trx) => keyring.shred(trx, tenantA));
    expect(destroyedByB).toBe(0);
    await expect(
      withTenant(test.db, tenantB, (trx) =>
        trx
          .insertInto("tenant_key")
          .values({ tenant_id: tenantA, scope: "tenant", purpose: "data", version: 9, wrapper_id: "x", wrapped: Buffer.alloc(61) })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("lets the rewrap listing setting read across tenants but change nothing", async () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const keyring = createKeyring({ wrapper });
    await withTenant(test.db, tenantA, (trx) => keyring.encrypt(trx, tenantA, "tenant", "A's secret", "f"));

    const changed = await withTenant(test.db, tenantB, async (trx) => {
      await sql`select set_config('app.key_rewrap', 'on', true)`.execute(trx);
      const listed = await trx.selectFrom("tenant_key").select("tenant_id").where("tenant_id", "=", tenantA).execute();
      const updated = await trx
        .updateTable("tenant_key")
        .set({ wrapped: null, destroyed_at: new Date() })
        .where("tenant_id", "=", tenantA)
        .executeTakeFirst();
      const deleted = await trx.deleteFrom("tenant_key").where("tenant_id", "=", tenantA).executeTakeFirst();
      return { listed: listed.length, updated: updated.numUpdatedRows, deleted: deleted.numDeletedRows };
    });
    expect(changed).toEqual({ listed: 1, updated: 0n, deleted: 0n });
  });
});
