import { randomUUID } from "node:crypto";
import { withTenant } from "@switchboard/db";
import type { TestDatabase } from "@switchboard/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKeyring,
  DecryptionError,
  localKeyWrapper,
  type Keyring,
  type KeyWrapper,
  type TenantKeysDatabase,
} from "../src/index.js";
import { createKeyDatabase, generateKek } from "./fixtures/key-database.js";

describe("field encryption", () => {
  let test: TestDatabase<TenantKeysDatabase>;
  let wrapper: KeyWrapper;
  let keyring: Keyring;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const userId = randomUUID();
  const scope = `user:${userId}`;
  const aad = `users.email:${userId}`;
  const email = "ada.lovelace@example.org";

  beforeAll(async () => {
    test = await createKeyDatabase("field_encryption");
    wrapper = localKeyWrapper(generateKek());
    keyring = createKeyring({ wrapper });
  });
  afterAll(async () => {
    keyring?.clear();
    await test?.destroy();
  });

  const encryptFor = (tenantId: string, value: string, fieldScope = scope, fieldAad = aad) =>
    withTenant(test.db, tenantId, (trx) => keyring.encrypt(trx, tenantId, fieldScope, value, fieldAad));
  const decryptFor = (tenantId: string, ciphertext: Buffer, fieldScope = scope, fieldAad = aad, ring = keyring) =>
    withTenant(test.db, tenantId, (trx) => ring.decrypt(trx, tenantId, fieldScope, ciphertext, fieldAad));

  it("decrypts what it encrypted, also from a keyring with an empty cache", async () => {
    const ciphertext = await encryptFor(tenantA, email);
    expect(await decryptFor(tenantA, ciphertext)).toBe(email);
    const fresh = createKeyring({ wrapper });
    expect(await decryptFor(tenantA, ciphertext, scope, aad, fresh)).toBe(email);
    const unicode = "Zoë Ñúñez-Øberg 👩‍💻";
    expect(await decryptFor(tenantA, await encryptFor(tenantA, unicode))).toBe(unicode);
    expect(await decryptFor(tenantA, await encryptFor(tenantA, ""))).toBe("");
  });

  it("decrypts without I/O once the key is in memory, and says so when it is not", async () => {
    const sourceScope = `source:${randomUUID()}`;
    const ciphertext = await encryptFor(tenantA, email, sourceScope);
    const fresh = createKeyring({ wrapper });
    expect(fresh.decryptCached(tenantA, sourceScope, ciphertext, aad)).toBeUndefined();
    expect(await decryptFor(tenantA, ciphertext, sourceScope, aad, fresh)).toBe(email);
    expect(fresh.decryptCached(tenantA, sourceScope, ciphertext, aad)).toBe(email);
    expect(() => fresh.decryptCached(tenantA, sourceScope, ciphertext, "users.email:someone-else")).toThrow(DecryptionError);
    await withTenant(test.db, tenantA, (trx) => fresh.shred(trx, tenantA, sourceScope));
    expect(fresh.decryptCached(tenantA, sourceScope, ciphertext, aad)).toBeUndefined();
  });

  it("computes a blind index without I/O once the index key is in memory", async () => {
    const fresh = createKeyring({ wrapper });
    expect(fresh.blindIndexCached(tenantA, "+31356990230")).toBeUndefined();
    const index = await withTenant(test.db, tenantA, (trx) => fresh.blindIndex(trx, tenantA, "+31356990230"));
    // A key created by that transaction is cached only once read back after its commit.
    await withTenant(test.db, tenantA, (trx) => fresh.blindIndex(trx, tenantA, "+31356990230"));
    expect(fresh.blindIndexCached(tenantA, "+31356990230")?.equals(index)).toBe(true);
    expect(fresh.blindIndexCached(tenantB, "+31356990230")).toBeUndefined();
  });

  it("writes format 1, the key version, a nonce, the ciphertext and a tag", async () => {
    const ciphertext = await encryptFor(tenantA, email);
    expect(ciphertext[0]).toBe(1);
    expect(ciphertext.readUInt32BE(1)).toBe(1);
    expect(ciphertext.length).toBe(1 + 4 + 12 + Buffer.byteLength(email) + 16);
  });

  it("leaves no plaintext bytes in the ciphertext", async () => {
    const plaintext = "+441632960961 Ada Lovelace, 12 St James's Square";
    const ciphertext = await encryptFor(tenantA, plaintext);
    const bytes = Buffer.from(plaintext, "utf8");
    expect(ciphertext.includes(bytes)).toBe(false);
    for (let at = 0; at + 4 <= bytes.length; at++) {
      expect(ciphertext.includes(bytes.subarray(at, at + 4))).toBe(false);
    }
  });

  it("gives two encryptions of the same value different ciphertexts", async () => {
    const first = await encryptFor(tenantA, email);
    const second = await encryptFor(tenantA, email);
    expect(first.equals(second)).toBe(false);
    expect(first.subarray(5, 17).equals(second.subarray(5, 17))).toBe(false);
  });

  it("refuses a ciphertext with any byte altered", async () => {
    const ciphertext = await encryptFor(tenantA, email);
    // The format byte, the key version, the nonce, the body and the tag.
    for (const at of [0, 4, 8, 20, ciphertext.length - 1]) {
      const tampered = Buffer.from(ciphertext);
      tampered[at] = tampered[at]! ^ 0x01;
      await expect(decryptFor(tenantA, tampered)).rejects.toBeInstanceOf(DecryptionError);
    }
    await expect(decryptFor(tenantA, ciphertext.subarray(0, 20))).rejects.toBeInstanceOf(DecryptionError);
    await expect(decryptFor(tenantA, Buffer.alloc(0))).rejects.toBeInstanceOf(DecryptionError);
  });

  it("refuses a ciphertext read as another field, another scope or another tenant", async () => {
    const ciphertext = await encryptFor(tenantA, email);
    await expect(decryptFor(tenantA, ciphertext, scope, `users.display_name:${userId}`)).rejects.toBeInstanceOf(
      DecryptionError,
    );
    await expect(decryptFor(tenantA, ciphertext, scope, `users.email:${randomUUID()}`)).rejects.toBeInstanceOf(
      DecryptionError,
    );
    // Another scope of the same tenant, with and then without a key of its own.
    const otherScope = `user:${randomUUID()}`;
    await expect(decryptFor(tenantA, ciphertext, otherScope)).rejects.toBeInstanceOf(DecryptionError);
    await encryptFor(tenantA, "someone else", otherScope);
    await expect(decryptFor(tenantA, ciphertext, otherScope)).rejects.toBeInstanceOf(DecryptionError);
    // Tenant B, before and after it has a key for the same scope name.
    await expect(decryptFor(tenantB, ciphertext)).rejects.toBeInstanceOf(DecryptionError);
    await encryptFor(tenantB, "tenant B's own value");
    await expect(decryptFor(tenantB, ciphertext)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("says what went wrong without crypto internals", async () => {
    const ciphertext = await encryptFor(tenantA, email);
    const error = await decryptFor(tenantA, ciphertext, scope, "users.email:someone-else").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DecryptionError);
    expect((error as Error).message).toMatch(/corrupt or belongs to another record or tenant/);
    expect((error as Error).message).not.toMatch(/gcm|auth|tag|openssl|cipher/i);
  });

  it("computes one blind index per value and tenant", async () => {
    const number = "+441632960961";
    const index = (tenantId: string, value: string, ring = keyring) =>
      withTenant(test.db, tenantId, (trx) => ring.blindIndex(trx, tenantId, value));
    const first = await index(tenantA, number);
    expect(first).toHaveLength(32);
    expect((await index(tenantA, number)).equals(first)).toBe(true);
    expect((await index(tenantA, number, createKeyring({ wrapper }))).equals(first)).toBe(true);
    expect((await index(tenantA, "+441632960962")).equals(first)).toBe(false);
    expect((await index(tenantB, number)).equals(first)).toBe(false);
  });

  it("seals and indexes a batch under one key resolution, as encrypt and blindIndex would", async () => {
    const batchScope = `source:${randomUUID()}`;
    const { sealed, indexes } = await withTenant(test.db, tenantB, async (trx) => {
      const sealer = await keyring.sealer(trx, tenantB, batchScope);
      const indexer = await keyring.indexer(trx, tenantB);
      try {
        const values = Array.from({ length: 300 }, (_, i) => `+3135699${String(i).padStart(4, "0")}`);
        return { sealed: values.map((v, i) => sealer.seal(v, `row:${i}`)), indexes: values.map((v) => indexer.index(v)) };
      } finally {
        sealer.close();
        indexer.close();
      }
    });
    // A key created inside the batch's transaction committed with it: a fresh keyring decrypts.
    const fresh = createKeyring({ wrapper });
    expect(await decryptFor(tenantB, sealed[7]!, batchScope, "row:7", fresh)).toBe("+31356990007");
    await expect(decryptFor(tenantB, sealed[7]!, batchScope, "row:8")).rejects.toThrow(DecryptionError);
    // Nonces are drawn in bulk, yet never repeat (more values than one draw holds).
    expect(new Set(sealed.map((c) => c.subarray(5, 17).toString("hex"))).size).toBe(sealed.length);
    expect(indexes[3]!.equals(await withTenant(test.db, tenantB, (trx) => keyring.blindIndex(trx, tenantB, "+31356990003")))).toBe(true);
    const closed = await withTenant(test.db, tenantB, async (trx) => {
      const sealer = await keyring.sealer(trx, tenantB, batchScope);
      sealer.close();
      return sealer;
    });
    expect(() => closed.seal("x", "row:0")).toThrow(/closed/);
  });

  it("refuses a transaction scoped to another tenant, a malformed tenant id or scope", async () => {
    const tenantC = randomUUID();
    await expect(
      withTenant(test.db, tenantA, (trx) => keyring.encrypt(trx, tenantC, scope, email, aad)),
    ).rejects.toThrow(/not scoped to it: call it inside withTenant/);
    await expect(
      withTenant(test.db, tenantA, (trx) => keyring.encrypt(trx, "not-a-uuid", scope, email, aad)),
    ).rejects.toThrow(/tenant id must be a UUID/);
    await expect(
      withTenant(test.db, tenantA, (trx) => keyring.encrypt(trx, tenantA, "user", email, aad)),
    ).rejects.toThrow(/key scope must be "tenant" or "<kind>:<id>"/);
  });
});
