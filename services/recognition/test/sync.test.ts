import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { withTenant } from "@switchboard/db";
import { Code } from "@switchboard/rpc";
import { SyncState } from "@switchboard/proto/switchboard/recognition/v1/resources_pb";
import { countRows, seedTenant, startHarness, syncOnce, type Harness } from "./support/harness.js";
import { failure } from "./support/rpc-failure.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_sync" });
});
afterAll(() => h?.close());

const record = (externalId: string, number: string, name = `Contact ${externalId}`) => ({ externalId, phoneNumbers: [number], fields: { name, crmId: externalId } });

/**
 * Every tuple version of the tenant's record tables: an INSERT, UPDATE or
 * DELETE (even one writing identical values) changes this set, whereas the
 * pg_stat counters reach other sessions only when the writer flushes them.
 */
async function tupleVersions(tenantId: string): Promise<string[]> {
  return withTenant(h.database.db, tenantId, async (trx) => {
    const { rows } = await sql<{ version: string }>`
      select 'r' || ctid::text || xmin::text as version from recognition_record
      union all select 'n' || ctid::text || xmin::text from record_number order by 1`.execute(trx);
    return rows.map((row) => row.version);
  });
}

describe("pushing records", () => {
  it("rejects a record carrying a field the source does not configure, naming the field, and applies the rest", async () => {
    const seeded = await seedTenant(h);
    const begun = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    const pushed = await h.sync.pushRecords(
      {
        syncId: begun.syncId,
        batchId: "b1",
        upserts: [
          record("1", "035-6990230"),
          { externalId: "2", phoneNumbers: ["+31 20 123 4567"], fields: { name: "Bea", email: "bea@example.org" } },
          { externalId: "3", phoneNumbers: ["035-69902"], fields: { name: "Cas" } },
          { externalId: "4", phoneNumbers: [], fields: { name: "Dirk" } },
          record("1", "035-6990231"),
          record("5", "+31 6 12345678"),
        ],
        deletes: ["never-existed"],
      },
      seeded.syncAgent,
    );
    expect(pushed.accepted).toBe(3);
    expect(pushed.rejected).toHaveLength(4);
    const reasons = Object.fromEntries(pushed.rejected.map((r) => [r.externalId, r.reason]));
    expect(reasons["2"]).toContain('field "email" is not a display or script field');
    expect(reasons["3"]).toContain("phone_numbers[0] is not a valid phone number");
    expect(reasons["4"]).toContain("phone_numbers is empty");
    expect(reasons["1"]).toContain("appears twice");
    const committed = await h.sync.commitSync({ syncId: begun.syncId }, seeded.syncAgent);
    expect(committed.recordCount).toBe(2n);
    expect(committed.sync).toMatchObject({ state: SyncState.COMMITTED, upserted: 2n, rejected: 4n, deleted: 0n, batches: 1 });

    // Nothing of the rejected record was kept, not even its e-mail address in ciphertext: only two payloads exist.
    expect((await h.lookup.lookup({ number: "+31201234567" }, seeded.agent)).recognized).toBe(false);
    expect((await h.lookup.lookup({ number: "035 699 02 30" }, seeded.agent)).matches.map((m) => m.externalId)).toEqual(["1"]);
  });

  it("refuses oversized batches and a missing batch id up front", async () => {
    const seeded = await seedTenant(h);
    const begun = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    const tooMany = await failure(h.sync.pushRecords({ syncId: begun.syncId, batchId: "x", deletes: Array.from({ length: 1001 }, (_, i) => String(i)) }, seeded.syncAgent));
    expect(tooMany.code).toBe(Code.InvalidArgument);
    expect(tooMany.message).toContain("at most 1000");
    expect((await failure(h.sync.pushRecords({ syncId: begun.syncId, upserts: [record("1", "+31356990230")] }, seeded.syncAgent))).message).toContain("batch_id");
    expect((await failure(h.sync.pushRecords({ syncId: randomUUID(), batchId: "1" }, seeded.syncAgent))).code).toBe(Code.NotFound);
  });

  it("answers a retried batch from its first attempt and writes nothing twice", async () => {
    const seeded = await seedTenant(h);
    const begun = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    const batch = { syncId: begun.syncId, batchId: "7", upserts: [record("a", "+31356990230"), record("b", "+31356990231"), { externalId: "c", phoneNumbers: ["x"], fields: {} }], deletes: [] };
    const first = await h.sync.pushRecords(batch, seeded.syncAgent);
    expect(first).toMatchObject({ accepted: 2, replayed: false });
    const before = await tupleVersions(seeded.tenantId);
    const rowsBefore = await countRows(h, seeded.tenantId);
    const [again, concurrently] = await Promise.all([h.sync.pushRecords(batch, seeded.syncAgent), h.sync.pushRecords(batch, seeded.syncAgent)]);
    for (const retry of [again, concurrently]) {
      expect(retry).toMatchObject({ accepted: 2, replayed: true });
      expect(retry.rejected).toEqual(first.rejected);
    }
    expect(await tupleVersions(seeded.tenantId)).toEqual(before);
    expect(await countRows(h, seeded.tenantId)).toEqual(rowsBefore);
    const committed = await h.sync.commitSync({ syncId: begun.syncId }, seeded.syncAgent);
    expect(committed.sync).toMatchObject({ upserted: 2n, batches: 1 });
    // Committing again answers the same; pushing to a committed sync is refused.
    expect((await h.sync.commitSync({ syncId: begun.syncId }, seeded.syncAgent)).sync).toMatchObject({ upserted: 2n, state: SyncState.COMMITTED });
    expect((await failure(h.sync.pushRecords({ ...batch, batchId: "8" }, seeded.syncAgent))).code).toBe(Code.FailedPrecondition);
  });
});

describe("a batch's answer kept for retries", () => {
  it("names rejected records only in ciphertext, and a retry still gets them back", async () => {
    const seeded = await seedTenant(h);
    const begun = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    const batch = { syncId: begun.syncId, batchId: "1", upserts: [record("CRM-OK-1", "+31356990230"), { externalId: "CRM-REJ-4711", phoneNumbers: ["+31356990231"], fields: { salary: "secret" } }], deletes: [] };
    const first = await h.sync.pushRecords(batch, seeded.syncAgent);
    expect(first.rejected.map((r) => r.externalId)).toEqual(["CRM-REJ-4711"]);

    const stored = await withTenant(h.database.db, seeded.tenantId, async (trx) => (await sql<{ row: string }>`select b::text as row from sync_batch b`.execute(trx)).rows.map((r) => r.row).join("\n"));
    expect(stored).toContain(begun.syncId);
    for (const clear of ["CRM-REJ-4711", Buffer.from("CRM-REJ-4711").toString("hex"), "salary"]) expect(stored).not.toContain(clear);

    const retry = await h.sync.pushRecords(batch, seeded.syncAgent);
    expect(retry).toMatchObject({ accepted: 1, replayed: true });
    expect(retry.rejected).toEqual(first.rejected);
    expect((await h.sync.commitSync({ syncId: begun.syncId }, seeded.syncAgent)).sync).toMatchObject({ upserted: 1n, rejected: 1n });
  });

  it("still answers a retry from a batch written before rejections were sealed", async () => {
    const seeded = await seedTenant(h);
    const begun = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    const legacy = [{ externalId: "old-1", reason: "phone_numbers[0] is not a valid phone number" }];
    await withTenant(h.database.db, seeded.tenantId, (trx) =>
      sql`insert into sync_batch (tenant_id, sync_id, batch_id, seen, upserted, unchanged, deleted, rejected, accepted)
          values (${seeded.tenantId}, ${begun.syncId}, 'legacy', '{}', 0, 0, 0, ${JSON.stringify(legacy)}::jsonb, 0)`.execute(trx),
    );
    const retry = await h.sync.pushRecords({ syncId: begun.syncId, batchId: "legacy", upserts: [], deletes: [] }, seeded.syncAgent);
    expect(retry).toMatchObject({ replayed: true, rejected: legacy });
    expect((await h.sync.commitSync({ syncId: begun.syncId }, seeded.syncAgent)).sync).toMatchObject({ rejected: 1n });
  });
});

describe("full and delta syncs", () => {
  it("deletes at a full sync's commit every record it did not push; a delta sync deletes only what it names", async () => {
    const seeded = await seedTenant(h);
    await syncOnce(h, seeded, { full: true, upserts: [record("1", "+31356990201"), record("2", "+31356990202"), record("3", "+31356990203")] });
    const delta = await syncOnce(h, seeded, { full: false, upserts: [record("4", "+31356990204")], deletes: ["1"] });
    expect(delta.committed.sync).toMatchObject({ full: false, upserted: 1n, deleted: 1n });
    expect(delta.committed.recordCount).toBe(3n);

    const full = await syncOnce(h, seeded, { full: true, upserts: [record("2", "+31356990202"), record("4", "+31356990204", "Renamed")] });
    expect(full.committed.sync).toMatchObject({ full: true, upserted: 1n, unchanged: 1n, deleted: 1n });
    expect(full.committed.recordCount).toBe(2n);
    const known = async (n: string) => (await h.lookup.lookup({ number: n }, seeded.agent)).recognized;
    expect([await known("+31356990201"), await known("+31356990202"), await known("+31356990203"), await known("+31356990204")]).toEqual([false, true, false, true]);
    expect((await h.lookup.lookup({ number: "+31356990204" }, seeded.agent)).matches[0]?.displayFields).toEqual({ name: "Renamed" });
  });

  it("reports a digest that is stable for the same records and tells the agent when the server's copy changed", async () => {
    const seeded = await seedTenant(h);
    const empty = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: true }, seeded.syncAgent);
    expect(empty.digest).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"); // SHA-256 of nothing
    const records = [record("1", "+31356990201"), record("2", "+31356990202")];
    const first = await syncOnce(h, seeded, { full: true, upserts: records });
    expect(first.committed.digest).not.toBe(empty.digest);
    // Same records, pushed in another order and format: same digest, nothing written.
    const before = await tupleVersions(seeded.tenantId);
    const again = await syncOnce(h, seeded, { full: true, upserts: [record("2", "035 699 02 02"), record("1", "0031356990201")] });
    expect(again.begun.digest).toBe(first.committed.digest);
    expect(again.committed.digest).toBe(first.committed.digest);
    expect(again.committed.sync).toMatchObject({ upserted: 0n, unchanged: 2n, deleted: 0n });
    expect(await tupleVersions(seeded.tenantId)).toEqual(before);
    // The same check sees a change of one field.
    const changed = await syncOnce(h, seeded, { full: false, upserts: [record("1", "+31356990201", "Changed")] });
    expect(await tupleVersions(seeded.tenantId)).not.toEqual(before);
    expect(changed.committed.digest).not.toBe(first.committed.digest);

    // The server loses a record behind the agent's back: the next BeginSync's digest differs.
    await withTenant(h.database.db, seeded.tenantId, (trx) => trx.deleteFrom("recognition_record").where("source_id", "=", seeded.sourceId).where(sql`ctid`, "=", sql`(select min(ctid) from recognition_record where source_id = ${seeded.sourceId})`).execute());
    const state = await h.sync.getSyncState({ dataSourceId: seeded.sourceId }, seeded.syncAgent);
    expect(state.digest).not.toBe(changed.committed.digest);
    expect(state.recordCount).toBe(1n);
    expect(state.latestSync).toMatchObject({ state: SyncState.COMMITTED, upserted: 1n });
  });

  it("supersedes a sync left open when the agent begins again", async () => {
    const seeded = await seedTenant(h);
    const abandoned = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: true }, seeded.syncAgent);
    await h.sync.pushRecords({ syncId: abandoned.syncId, batchId: "1", upserts: [record("1", "+31356990201")] }, seeded.syncAgent);
    const batchesOf = (syncId: string) => withTenant(h.database.db, seeded.tenantId, (trx) => trx.selectFrom("sync_batch").select("batch_id").where("sync_id", "=", syncId).execute());
    expect(await batchesOf(abandoned.syncId)).toHaveLength(1);
    const fresh = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: true }, seeded.syncAgent);
    // Nothing will replay the superseded sync's batches: they go (with the keys they saw).
    expect(await batchesOf(abandoned.syncId)).toEqual([]);
    const refused = await failure(h.sync.pushRecords({ syncId: abandoned.syncId, batchId: "2", upserts: [] }, seeded.syncAgent));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.message).toContain("newer BeginSync");
    expect((await failure(h.sync.commitSync({ syncId: abandoned.syncId }, seeded.syncAgent))).code).toBe(Code.FailedPrecondition);
    const committed = await h.sync.commitSync({ syncId: fresh.syncId }, seeded.syncAgent);
    // The fresh full sync pushed nothing: the abandoned sync's record goes.
    expect(committed.recordCount).toBe(0n);
  });
});

describe("storage", () => {
  it("stores no number, name or external id in clear, and finds numbers by blind index only", async () => {
    const seeded = await seedTenant(h);
    await syncOnce(h, seeded, { full: true, upserts: [{ externalId: "CRM-778899", phoneNumbers: ["+31356990230"], fields: { name: "Wilhelmina Zonderland", company: "Acme Holding" } }] });
    const dump = await withTenant(h.database.db, seeded.tenantId, async (trx) => {
      const records = await trx.selectFrom("recognition_record").selectAll().execute();
      const numbers = await trx.selectFrom("record_number").selectAll().execute();
      return Buffer.concat([...records.flatMap((r) => [r.record_key, r.content_hash, r.input_hash!, r.payload]), ...numbers.flatMap((n) => [n.record_key, n.number_index])]);
    });
    expect(dump.length).toBeGreaterThan(64);
    for (const clear of ["+31356990230", "31356990230", "356990230", "Wilhelmina", "Zonderland", "Acme", "CRM-778899"]) {
      expect(dump.includes(Buffer.from(clear))).toBe(false);
    }
  });

  it("lets row-level security stop a query that forgets the tenant", async () => {
    const seeded = await seedTenant(h);
    await syncOnce(h, seeded, { full: true, upserts: [record("1", "+31356990230")] });
    expect((await countRows(h, seeded.tenantId)).recognition_record).toBe(1);
    // No tenant set: every table looks empty, and nothing can be written.
    const unscoped = await h.database.db.transaction().execute(async (trx) => ({
      records: (await trx.selectFrom("recognition_record").selectAll().execute()).length,
      numbers: (await trx.selectFrom("record_number").selectAll().execute()).length,
      sources: (await trx.selectFrom("data_source").selectAll().execute()).length,
    }));
    expect(unscoped).toEqual({ records: 0, numbers: 0, sources: 0 });
    // Another tenant's transaction sees nothing of it either, even asking by id.
    const other = randomUUID();
    const seen = await withTenant(h.database.db, other, (trx) => trx.selectFrom("data_source").selectAll().where("id", "=", seeded.sourceId).execute());
    expect(seen).toEqual([]);
    await expect(
      withTenant(h.database.db, other, (trx) => trx.insertInto("data_source").values({ id: randomUUID(), tenant_id: seeded.tenantId, name: "x", display_fields: [], script_fields: [], priority: 0, last_sync_at: null }).execute()),
    ).rejects.toThrow(/row-level security/);
  });
});
