import { randomUUID } from "node:crypto";
import { withTenant } from "@switchboard/db";
import type { TestDatabase } from "@switchboard/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKeyring,
  KeyDestroyedError,
  localKeyWrapper,
  type Keyring,
  type KeyWrapper,
  type TenantKeysDatabase,
} from "../src/index.js";
import { createKeyDatabase, generateKek, readAllKeyRows } from "./fixtures/key-database.js";

describe("crypto-shredding", () => {
  let test: TestDatabase<TenantKeysDatabase>;
  let wrapper: KeyWrapper;
  let keyring: Keyring;

  beforeAll(async () => {
    test = await createKeyDatabase("shredding");
    wrapper = localKeyWrapper(generateKek());
    keyring = createKeyring({ wrapper });
  });
  afterAll(async () => {
    keyring?.clear();
    await test?.destroy();
  });

  const encrypt = (tenantId: string, scope: string, value: string, ring = keyring) =>
    withTenant(test.db, tenantId, (trx) => ring.encrypt(trx, tenantId, scope, value, `field:${scope}`));
  const decrypt = (tenantId: string, scope: string, ciphertext: Buffer, ring = keyring) =>
    withTenant(test.db, tenantId, (trx) => ring.decrypt(trx, tenantId, scope, ciphertext, `field:${scope}`));
  const shred = (tenantId: string, scope?: string) =>
    withTenant(test.db, tenantId, (trx) => keyring.shred(trx, tenantId, scope));

  it("makes a shredded tenant's data unreadable, also to a keyring that never cached its keys", async () => {
    const tenant = randomUUID();
    const survivor = randomUUID();
    const tenantWide = await encrypt(tenant, "tenant", "Grace Hopper");
    const subject = await encrypt(tenant, "user:ada", "Ada Lovelace");
    const otherTenant = await encrypt(survivor, "tenant", "still here");
    await withTenant(test.db, tenant, (trx) => keyring.blindIndex(trx, tenant, "+441632960961"));

    expect(await shred(tenant)).toBe(3);

    for (const ring of [keyring, createKeyring({ wrapper })]) {
      await expect(decrypt(tenant, "tenant", tenantWide, ring)).rejects.toBeInstanceOf(KeyDestroyedError);
      await expect(decrypt(tenant, "user:ada", subject, ring)).rejects.toThrow(
        "the key for this data was destroyed (crypto-shredded): the data is erased",
      );
      expect(await decrypt(survivor, "tenant", otherTenant, ring)).toBe("still here");
    }
    // What stays behind is a tombstone per key, without the key.
    const rows = (await readAllKeyRows(test)).filter((row) => row.tenant_id === tenant);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.wrapped === null)).toBe(true);
  });

  it("shreds one data subject and leaves the tenant's other scopes readable", async () => {
    const tenant = randomUUID();
    const ada = await encrypt(tenant, "user:ada", "Ada Lovelace");
    const grace = await encrypt(tenant, "user:grace", "Grace Hopper");
    const shared = await encrypt(tenant, "tenant", "Analytical Engines Ltd");

    expect(await shred(tenant, "user:ada")).toBe(1);

    const fresh = createKeyring({ wrapper });
    await expect(decrypt(tenant, "user:ada", ada, fresh)).rejects.toBeInstanceOf(KeyDestroyedError);
    await expect(decrypt(tenant, "user:ada", ada)).rejects.toBeInstanceOf(KeyDestroyedError);
    expect(await decrypt(tenant, "user:grace", grace)).toBe("Grace Hopper");
    expect(await decrypt(tenant, "tenant", shared, fresh)).toBe("Analytical Engines Ltd");
  });

  it("encrypts under a new key version after a shred, and a new index key gives new blind indexes", async () => {
    const tenant = randomUUID();
    const before = await encrypt(tenant, "source:crm", "old contact");
    const indexBefore = await withTenant(test.db, tenant, (trx) => keyring.blindIndex(trx, tenant, "+15555550100"));
    await shred(tenant);

    const after = await encrypt(tenant, "source:crm", "new contact");
    expect(before.readUInt32BE(1)).toBe(1);
    expect(after.readUInt32BE(1)).toBe(2);
    expect(await decrypt(tenant, "source:crm", after, createKeyring({ wrapper }))).toBe("new contact");
    await expect(decrypt(tenant, "source:crm", before)).rejects.toBeInstanceOf(KeyDestroyedError);
    const indexAfter = await withTenant(test.db, tenant, (trx) => keyring.blindIndex(trx, tenant, "+15555550100"));
    expect(indexAfter.equals(indexBefore)).toBe(false);
  });

  it("keeps the data readable when the transaction that shredded rolls back", async () => {
    const tenant = randomUUID();
    const ciphertext = await encrypt(tenant, "user:ada", "Ada Lovelace");
    const rollback = new Error("DeleteUser failed later on");
    await expect(
      withTenant(test.db, tenant, async (trx) => {
        await keyring.shred(trx, tenant, "user:ada");
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await decrypt(tenant, "user:ada", ciphertext)).toBe("Ada Lovelace");
  });

  it("shreds and re-keys within one transaction", async () => {
    const tenant = randomUUID();
    const old = await encrypt(tenant, "user:ada", "Ada Lovelace");
    const fresh = await withTenant(test.db, tenant, async (trx) => {
      await keyring.shred(trx, tenant, "user:ada");
      return keyring.encrypt(trx, tenant, "user:ada", "Ada King", "field:user:ada");
    });
    expect(fresh.readUInt32BE(1)).toBe(2);
    expect(await decrypt(tenant, "user:ada", fresh, createKeyring({ wrapper }))).toBe("Ada King");
    await expect(decrypt(tenant, "user:ada", old)).rejects.toBeInstanceOf(KeyDestroyedError);
  });
});
