import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { withTenant } from "@switchboard/db";
import { storedHashes } from "../src/store/records.js";
import { countRows, seedTenant, startHarness, syncOnce, type Harness, type Seeded } from "./support/harness.js";

// Batch ingest at the sizes the sync agent sends (up to 1,000 per batch, so
// several write chunks), and the paths that let an unchanged re-sync skip work.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_sync_ingest" });
});
afterAll(() => h?.close());

const contact = (i: number, number = `+3120${String(1_000_000 + i).padStart(7, "0")}`) => ({
  externalId: `crm-${i}`,
  phoneNumbers: [number],
  fields: { name: `Contact ${i}`, company: "Acme", crmId: `crm-${i}` },
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Every tuple version of the tenant's record tables: any INSERT, UPDATE or DELETE changes this set. */
async function tupleVersions(tenantId: string): Promise<string[]> {
  return withTenant(h.database.db, tenantId, async (trx) => {
    const { rows } = await sql<{ version: string }>`
      select 'r' || ctid::text || xmin::text as version from recognition_record
      union all select 'n' || ctid::text || xmin::text from record_number order by 1`.execute(trx);
    return rows.map((row) => row.version);
  });
}

const recognized = async (seeded: Seeded, number: string) => (await h.lookup.lookup({ number }, seeded.agent)).recognized;

describe("batch ingest", () => {
  it("stores the valid records of a 1,000-record batch and rejects each bad one, in request order, with its reason", async () => {
    const seeded = await seedTenant(h);
    const upserts = range(1_000).map((i) => {
      if (i % 7 === 3) return { ...contact(i), phoneNumbers: ["035-69902"] };
      if (i % 11 === 5) return { ...contact(i), fields: { name: `Contact ${i}`, email: "someone@example.org" } };
      return contact(i);
    });
    const bad = range(1_000).filter((i) => i % 7 === 3 || i % 11 === 5);
    const { pushed, committed } = await syncOnce(h, seeded, { full: true, upserts });
    expect(pushed.accepted).toBe(1_000 - bad.length);
    expect(pushed.rejected.map((r) => r.externalId)).toEqual(bad.map((i) => `crm-${i}`));
    expect(pushed.rejected.find((r) => r.externalId === "crm-3")?.reason).toContain("phone_numbers[0] is not a valid phone number");
    expect(pushed.rejected.find((r) => r.externalId === "crm-5")?.reason).toContain('field "email" is not a display or script field');
    expect(committed.recordCount).toBe(BigInt(1_000 - bad.length));
    expect(await countRows(h, seeded.tenantId, seeded.sourceId)).toMatchObject({ recognition_record: 1_000 - bad.length, record_number: 1_000 - bad.length });
    expect([await recognized(seeded, contact(999).phoneNumbers[0]!), await recognized(seeded, contact(3).phoneNumbers[0]!)]).toEqual([true, false]);

    // A stored record whose next version is rejected is not "seen": a full sync's commit deletes it.
    const again = await syncOnce(h, seeded, { full: true, upserts: [...upserts.filter((_, i) => i !== 0), { ...contact(0), phoneNumbers: ["12-ab"] }] });
    expect(again.pushed.rejected.map((r) => r.externalId)).toEqual([...bad.map((i) => `crm-${i}`), "crm-0"]);
    expect(again.committed.sync).toMatchObject({ upserted: 0n, unchanged: BigInt(999 - bad.length), deleted: 1n });
    expect(await recognized(seeded, contact(0).phoneNumbers[0]!)).toBe(false);
  });

  it("rewrites the numbers of every changed record across write chunks and forgets their cache entries", async () => {
    const seeded = await seedTenant(h);
    await syncOnce(h, seeded, { full: true, upserts: range(600).map((i) => contact(i)) });
    const oldNumber = contact(555).phoneNumbers[0]!;
    expect(await recognized(seeded, oldNumber)).toBe(true); // now cached
    const moved = range(600).map((i) => contact(i, `+3130${String(2_000_000 + i).padStart(7, "0")}`));
    const { committed } = await syncOnce(h, seeded, { full: true, upserts: moved });
    expect(committed.sync).toMatchObject({ upserted: 600n, unchanged: 0n, deleted: 0n });
    expect(await countRows(h, seeded.tenantId, seeded.sourceId)).toMatchObject({ recognition_record: 600, record_number: 600 });
    expect([await recognized(seeded, oldNumber), await recognized(seeded, moved[555]!.phoneNumbers[0]!), await recognized(seeded, moved[5]!.phoneNumbers[0]!)]).toEqual([false, true, true]);
  });
});

describe("re-syncing unchanged records", () => {
  it("writes zero tuples, whether a record is sent exactly as before or only its stored content hash matches", async () => {
    const seeded = await seedTenant(h);
    const upserts = range(700).map((i) => contact(i));
    const first = await syncOnce(h, seeded, { full: true, upserts });
    const before = await tupleVersions(seeded.tenantId);
    expect(before).toHaveLength(1_400);

    const same = await syncOnce(h, seeded, { full: true, upserts: [...upserts].reverse() });
    expect(same.committed.sync).toMatchObject({ upserted: 0n, unchanged: 700n, deleted: 0n });
    expect(same.committed.digest).toBe(first.committed.digest);
    expect(await tupleVersions(seeded.tenantId)).toEqual(before);

    // Records written before input hashes existed (or sent in another format)
    // are compared by content: still nothing written.
    await withTenant(h.database.db, seeded.tenantId, (trx) => sql`update recognition_record set input_hash = null`.execute(trx));
    const migrated = await tupleVersions(seeded.tenantId);
    const byContent = await syncOnce(h, seeded, { full: true, upserts });
    expect(byContent.committed.sync).toMatchObject({ upserted: 0n, unchanged: 700n });
    expect(await tupleVersions(seeded.tenantId)).toEqual(migrated);
  });

  it("reads back each held record's hashes aligned with the keys asked for, input hash or not", async () => {
    const seeded = await seedTenant(h);
    await syncOnce(h, seeded, { full: true, upserts: range(6).map((i) => contact(i)) });
    const stored = await withTenant(h.database.db, seeded.tenantId, async (trx) => {
      // Records 1 and 4 as written before input hashes existed.
      const rows = await trx.selectFrom("recognition_record").select(["record_key", "content_hash", "input_hash"]).orderBy("record_key").execute();
      for (const row of [rows[1]!, rows[4]!]) await trx.updateTable("recognition_record").set({ input_hash: null }).where("record_key", "=", row.record_key).execute();
      return trx.selectFrom("recognition_record").select(["record_key", "content_hash", "input_hash"]).orderBy("record_key").execute();
    });
    expect(stored.filter((row) => row.input_hash === null)).toHaveLength(2);
    const unknown = Buffer.alloc(32, 7);
    const keys = [unknown, ...[...stored].reverse().map((row) => row.record_key), unknown];
    const answer = await withTenant(h.database.db, seeded.tenantId, (trx) => storedHashes(trx, seeded.tenantId, seeded.sourceId, keys));
    const expected = [undefined, ...[...stored].reverse().map((row) => ({ contentHash: row.content_hash, inputHash: row.input_hash })), undefined];
    expect(answer).toEqual(expected);
  });

  it("reads national numbers again once the organisation's region changed", async () => {
    const seeded = await seedTenant(h, "NL");
    const national = { externalId: "n-1", phoneNumbers: ["0475 12 34 56"], fields: { name: "Nadia" } };
    await syncOnce(h, seeded, { full: true, upserts: [national] });
    expect(await recognized(seeded, "+31475123456")).toBe(true);
    await h.setRegion(seeded.tenantId, "BE");
    const again = await syncOnce(h, seeded, { full: true, upserts: [national] });
    expect(again.committed.sync).toMatchObject({ upserted: 1n, unchanged: 0n });
    expect([await recognized(seeded, "+31475123456"), await recognized(seeded, "+32475123456")]).toEqual([false, true]);
  });
});
