import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@switchboard/db";
import { sql } from "kysely";
import { isStatementTimeout, openMatchReader, type MatchReader } from "../src/store/match-reader.js";
import { holdTableLock, seedTenant, startHarness, syncOnce, type Harness } from "./support/harness.js";

let h: Harness;
// One connection, so every test after the first reuses the one a previous test left behind.
let reader: MatchReader;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_match_reader" });
  reader = openMatchReader(h.database.url, { maxConnections: 1 });
});
afterAll(async () => {
  await reader?.close();
  await h?.close();
});

const number = "+31356990231";
const indexOf = (tenantId: string) => withTenant(h.database.db, tenantId, (trx) => h.deps.keyring.blindIndex(trx, tenantId, number));

describe("the cache-miss read", () => {
  it("finds the tenant's records with the number, and only that tenant's", async () => {
    const a = await seedTenant(h);
    const b = await seedTenant(h);
    await syncOnce(h, a, { full: true, upserts: [{ externalId: "a-1", phoneNumbers: [number], fields: { name: "Ada" } }] });
    await syncOnce(h, b, { full: true, upserts: [{ externalId: "b-1", phoneNumbers: [number], fields: { name: "Bob" } }, { externalId: "b-2", phoneNumbers: [number], fields: { name: "Bea" } }] });
    const forA = await reader.find(a.tenantId, await indexOf(a.tenantId), 1_000);
    const forB = await reader.find(b.tenantId, await indexOf(b.tenantId), 1_000);
    expect(forA.map((m) => m.source_id)).toEqual([a.sourceId]);
    expect(forB.map((m) => m.source_id)).toEqual([b.sourceId, b.sourceId]);
    expect(forA[0]!.payload).toBeInstanceOf(Buffer);
    // Tenant A's number index asked for under tenant B: nothing of A's comes back.
    expect(await reader.find(b.tenantId, await indexOf(a.tenantId), 1_000)).toEqual([]);
  });

  it("reads through row-level security: the function sees only the tenant set for the transaction", async () => {
    const a = await seedTenant(h);
    const b = await seedTenant(h);
    await syncOnce(h, a, { full: true, upserts: [{ externalId: "a-1", phoneNumbers: [number], fields: { name: "Ada" } }] });
    const index = await indexOf(a.tenantId);
    const asTenant = (tenantId: string) =>
      withTenant(h.database.db, tenantId, async (trx) => (await sql<{ source_id: string }>`select * from recognition_matches(${a.tenantId}::uuid, ${index})`.execute(trx)).rows);
    expect((await asTenant(a.tenantId)).map((row) => row.source_id)).toEqual([a.sourceId]);
    // Asking for A's records inside B's transaction: row-level security hides them.
    expect(await asTenant(b.tenantId)).toEqual([]);
  });

  it("gives up at its timeout, and its connection serves the next read", async () => {
    const a = await seedTenant(h);
    await syncOnce(h, a, { full: true, upserts: [{ externalId: "a-1", phoneNumbers: [number], fields: { name: "Ada" } }] });
    const index = await indexOf(a.tenantId);
    const lock = await holdTableLock(h, "record_number", 1_000);
    const started = Date.now();
    const error = await reader.find(a.tenantId, index, 150).catch((e: unknown) => e);
    expect(isStatementTimeout(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(900);
    await lock.released;
    expect(await reader.find(a.tenantId, index, 1_000)).toHaveLength(1);
  });

  it("refuses a tenant id that is not a UUID instead of sending it", async () => {
    await expect(reader.find("x'; drop table record_number; --", Buffer.alloc(32), 1_000)).rejects.toThrow();
    expect(await reader.find((await seedTenant(h)).tenantId, Buffer.alloc(32), 1_000)).toEqual([]);
  });
});
