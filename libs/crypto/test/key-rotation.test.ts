import { randomUUID } from "node:crypto";
import { withTenant } from "@switchboard/db";
import type { TestDatabase } from "@switchboard/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createKeyring,
  KeyUnwrapError,
  localKeyWrapper,
  rewrapKeys,
  type Keyring,
  type KeyWrapper,
  type RewrapProgress,
  type TenantKeysDatabase,
} from "../src/index.js";
import { createKeyDatabase, generateKek, readAllKeyRows } from "./fixtures/key-database.js";

describe("key rotation", () => {
  // rewrapKeys works on the whole database, so each test gets its own.
  let test: TestDatabase<TenantKeysDatabase>;

  beforeEach(async () => {
    test = await createKeyDatabase("key_rotation");
  });
  afterEach(async () => {
    await test?.destroy();
  });

  const encrypt = (ring: Keyring, tenantId: string, scope: string, value: string) =>
    withTenant(test.db, tenantId, (trx) => ring.encrypt(trx, tenantId, scope, value, `field:${value}`));
  const decrypt = (ring: Keyring, tenantId: string, scope: string, ciphertext: Buffer, value: string) =>
    withTenant(test.db, tenantId, (trx) => ring.decrypt(trx, tenantId, scope, ciphertext, `field:${value}`));

  it("encrypts under the new data key version and still decrypts the old ones", async () => {
    const wrapper = localKeyWrapper(generateKek());
    const keyring = createKeyring({ wrapper });
    const tenant = randomUUID();
    const v1 = await encrypt(keyring, tenant, "tenant", "first");

    expect(await withTenant(test.db, tenant, (trx) => keyring.rotateDataKey(trx, tenant, "tenant"))).toBe(2);
    const v2 = await encrypt(keyring, tenant, "tenant", "second");

    expect(v1.readUInt32BE(1)).toBe(1);
    expect(v2.readUInt32BE(1)).toBe(2);
    for (const ring of [keyring, createKeyring({ wrapper })]) {
      expect(await decrypt(ring, tenant, "tenant", v1, "first")).toBe("first");
      expect(await decrypt(ring, tenant, "tenant", v2, "second")).toBe("second");
    }
    // Another replica, whose cache predates the rotation, also moves on once its cache expires.
    const uncached = createKeyring({ wrapper, cacheTtlMs: 0 });
    expect((await encrypt(uncached, tenant, "tenant", "third")).readUInt32BE(1)).toBe(2);
  });

  it("re-wraps every key under a new KEK, after which the old KEK unwraps none of them", async () => {
    const oldKek = localKeyWrapper(generateKek());
    const newKek = localKeyWrapper(generateKek());
    const before = createKeyring({ wrapper: oldKek });
    const tenants = [randomUUID(), randomUUID()];
    const written: Array<{ tenant: string; scope: string; value: string; ciphertext: Buffer }> = [];
    for (const tenant of tenants) {
      for (const scope of ["tenant", "user:ada", "source:crm"]) {
        const value = `${scope} of ${tenant}`;
        written.push({ tenant, scope, value, ciphertext: await encrypt(before, tenant, scope, value) });
      }
    }
    const indexBefore = await withTenant(test.db, tenants[0]!, (trx) => before.blindIndex(trx, tenants[0]!, "+441632960961"));
    await withTenant(test.db, tenants[0]!, (trx) => before.rotateDataKey(trx, tenants[0]!, "tenant"));
    
    // During the rollout: new KEK current, old one still accepted.
    const during = createKeyring({ wrapper: newKek, previousWrappers: [oldKek] });
    const added = await encrypt(during, tenants[1]!, "user:grace", "added during rollout");

    const progress: RewrapProgress[] = [];
    const result = await rewrapKeys(test.db, oldKek, newKek, { batchSize: 2, onProgress: (p) => progress.push({ ...p }) });
    expect(result).toEqual({ rewrapped: 8, tenants: 2 });
    expect(progress.at(-1)).toEqual({ rewrapped: 8, total: 8, tenantsDone: 2, tenantsTotal: 2 });
    expect(progress.length).toBeGreaterThan(2);

    const rows = await readAllKeyRows(test);
    expect(rows).toHaveLength(9);
    expect(new Set(rows.map((row) => row.wrapper_id))).toEqual(new Set([newKek.id]));

    const after = createKeyring({ wrapper: newKek });
    for (const { tenant, scope, value, ciphertext } of written) {
      expect(await decrypt(after, tenant, scope, ciphertext, value)).toBe(value);
    }
    expect(await decrypt(after, tenants[1]!, "user:grace", added, "added during rollout")).toBe("added during rollout");
    const indexAfter = await withTenant(test.db, tenants[0]!, (trx) => after.blindIndex(trx, tenants[0]!, "+441632960961"));
    expect(indexAfter.equals(indexBefore)).toBe(true);

    // The old KEK opens none of the stored keys any more.
    const { tenant, scope, value, ciphertext } = written[0]!;
    await expect(decrypt(createKeyring({ wrapper: oldKek }), tenant, scope, ciphertext, value)).rejects.toThrow(
      new RegExp(`wrapped by key-encryption key "${newKek.id}", which this keyring does not have`),
    );
    const impostor = { ...oldKek, id: newKek.id, wrap: oldKek.wrap, unwrap: oldKek.unwrap };
    await expect(decrypt(createKeyring({ wrapper: impostor }), tenant, scope, ciphertext, value)).rejects.toBeInstanceOf(
      KeyUnwrapError,
    );

    // Running it again finds nothing left to do.
    expect(await rewrapKeys(test.db, oldKek, newKek)).toEqual({ rewrapped: 0, tenants: 0 });
  });

  it("refuses to start while keys wrapped by a third KEK are stored", async () => {
    const first = localKeyWrapper(generateKek());
    const second = localKeyWrapper(generateKek());
    const third = localKeyWrapper(generateKek());
    const tenant = randomUUID();
    await encrypt(createKeyring({ wrapper: first }), tenant, "tenant", "under the first");
    await encrypt(createKeyring({ wrapper: second }), tenant, "user:ada", "under the second");

    await expect(rewrapKeys(test.db, first, third)).rejects.toThrow(
      new RegExp(`wrapped by neither "${first.id}" nor "${third.id}" \\(1 by "${second.id}"\\)`),
    );
    const rows = await readAllKeyRows(test);
    expect(rows.map((row) => row.wrapper_id).sort()).toEqual([first.id, second.id].sort());
    await expect(rewrapKeys(test.db, first, first)).rejects.toThrow(/two different key-encryption keys/);
  });
});
