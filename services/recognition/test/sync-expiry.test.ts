import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { withTenant } from "@switchboard/db";
import { Code } from "@switchboard/rpc";
import { SyncState } from "@switchboard/proto/switchboard/recognition/v1/resources_pb";
import { SYNC_HISTORY_DAYS } from "../src/store/syncs.js";
import { expireAbandonedSyncs } from "../src/sync/expire-syncs.js";
import * as migration from "../migrations/20261205_003_sync_expiry.js";
import { seedTenant, startHarness, type Harness, type Seeded } from "./support/harness.js";
import { failure } from "./support/rpc-failure.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_sync_expiry" });
});
afterAll(() => h?.close());

const HOUR = 3_600_000;
const record = (externalId: string, number: string) => ({ externalId, phoneNumbers: [number], fields: { name: `Contact ${externalId}`, crmId: externalId } });

/** An open sync with two batches (one carrying a rejection), as an agent that then vanished leaves it. */
async function abandonedSync(seeded: Seeded): Promise<string> {
  const { syncId } = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: true }, seeded.syncAgent);
  await h.sync.pushRecords({ syncId, batchId: "1", upserts: [record("a", "+31356990230")], deletes: [] }, seeded.syncAgent);
  await h.sync.pushRecords({ syncId, batchId: "2", upserts: [{ externalId: "b", phoneNumbers: ["+31356990231"], fields: { salary: "x" } }], deletes: [] }, seeded.syncAgent);
  return syncId;
}

const openEntries = async (tenantId: string) => (await h.database.db.selectFrom("open_sync").select("sync_id").where("tenant_id", "=", tenantId).execute()).map((row) => row.sync_id);
const batchesOf = (tenantId: string, syncId: string) => withTenant(h.database.db, tenantId, async (trx) => (await trx.selectFrom("sync_batch").select("batch_id").where("sync_id", "=", syncId).execute()).length);
const stateOf = async (seeded: Seeded) => (await h.sync.getSyncState({ dataSourceId: seeded.sourceId }, seeded.syncAgent)).latestSync?.state;
const expireAsOf = (hoursFromNow: number) => expireAbandonedSyncs(h.deps, { maxOpenMs: 24 * HOUR, now: new Date(Date.now() + hoursFromNow * HOUR) });

describe("syncs left open", () => {
  it("are listed while open and leave the list when committed or superseded", async () => {
    const seeded = await seedTenant(h);
    const first = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    expect(await openEntries(seeded.tenantId)).toEqual([first.syncId]);
    const second = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    expect(await openEntries(seeded.tenantId)).toEqual([second.syncId]);
    await h.sync.commitSync({ syncId: second.syncId }, seeded.syncAgent);
    expect(await openEntries(seeded.tenantId)).toEqual([]);
  });

  it("expire after SYNC_MAX_OPEN: batches deleted, state expired, audited, and further pushes refused with a clear error", async () => {
    const seeded = await seedTenant(h);
    const syncId = await abandonedSync(seeded);
    expect(await batchesOf(seeded.tenantId, syncId)).toBe(2);

    // Not yet: open for less than SYNC_MAX_OPEN.
    expect(await expireAsOf(23)).toEqual({ expired: 0, batches: 0, failed: 0 });
    expect(await stateOf(seeded)).toBe(SyncState.OPEN);

    await h.database.db.deleteFrom("event_outbox").execute();
    const result = await expireAsOf(25);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect(await stateOf(seeded)).toBe(SyncState.EXPIRED);
    expect(await batchesOf(seeded.tenantId, syncId)).toBe(0);
    expect(await openEntries(seeded.tenantId)).toEqual([]);

    const outbox = await h.database.db.selectFrom("event_outbox").select(["subject", "payload"]).execute();
    const audits = outbox.filter((row) => row.subject === "switchboard.audit.event.recorded").map((row) => Buffer.from(row.payload).toString("latin1"));
    const mine = audits.filter((text) => text.includes(syncId));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toContain("recognition.sync.expired");
    expect(mine[0]).toContain(seeded.sourceId);

    const push = await failure(h.sync.pushRecords({ syncId, batchId: "3", upserts: [record("c", "+31356990232")], deletes: [] }, seeded.syncAgent));
    expect(push.code).toBe(Code.FailedPrecondition);
    expect(push.message).toContain("expired");
    expect(push.message).toContain("BeginSync");
    const commit = await failure(h.sync.commitSync({ syncId }, seeded.syncAgent));
    expect(commit.code).toBe(Code.FailedPrecondition);

    // What the abandoned sync wrote stays (a delta's upserts were applied as they came); a new sync works.
    expect((await h.lookup.lookup({ number: "+31356990230" }, seeded.agent)).recognized).toBe(true);
    const next = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    expect((await h.sync.commitSync({ syncId: next.syncId }, seeded.syncAgent)).sync?.state).toBe(SyncState.COMMITTED);
  });

  it("a second run, or another replica's, finds nothing more to do; a neighbour's young sync is left alone", async () => {
    const old = await seedTenant(h);
    const young = await seedTenant(h);
    await abandonedSync(old);
    await h.database.db.updateTable("open_sync").set({ began_at: new Date(Date.now() - 30 * HOUR) }).where("tenant_id", "=", old.tenantId).execute();
    const youngSync = await abandonedSync(young);

    const [a, b] = await Promise.all([expireAsOf(0), expireAsOf(0)]);
    expect(a.expired + b.expired).toBe(1);
    expect(a.batches + b.batches).toBe(2);
    expect(await stateOf(old)).toBe(SyncState.EXPIRED);
    expect(await expireAsOf(0)).toEqual({ expired: 0, batches: 0, failed: 0 });
    expect(await stateOf(young)).toBe(SyncState.OPEN);
    expect(await batchesOf(young.tenantId, youngSync)).toBe(2);
    await h.sync.commitSync({ syncId: youngSync }, young.syncAgent);
  });

  it("expires the others when one sync cannot be expired, and that one on a later run", async () => {
    const stuck = await seedTenant(h);
    const fine = await seedTenant(h);
    const stuckSync = await abandonedSync(stuck);
    await abandonedSync(fine);
    await h.database.db.updateTable("open_sync").set({ began_at: new Date(Date.now() - 30 * HOUR) }).where("tenant_id", "in", [stuck.tenantId, fine.tenantId]).execute();
    // The oldest entry's update fails, as a broken row or a failing disk would make it.
    await h.database.db.updateTable("open_sync").set({ began_at: new Date(Date.now() - 31 * HOUR) }).where("sync_id", "=", stuckSync).execute();
    await sql`create function test_refuse_expiry() returns trigger language plpgsql as $$
      begin raise exception 'refused for the test'; end $$`.execute(h.database.db);
    await sql`create trigger test_refuse_expiry before update on sync for each row when (old.id = ${sql.lit(stuckSync)}::uuid) execute function test_refuse_expiry()`.execute(h.database.db);
    try {
      expect(await expireAsOf(0)).toEqual({ expired: 1, batches: 2, failed: 1 });
      expect(await stateOf(fine)).toBe(SyncState.EXPIRED);
      expect(await stateOf(stuck)).toBe(SyncState.OPEN);
    } finally {
      await sql`drop trigger test_refuse_expiry on sync`.execute(h.database.db);
      await sql`drop function test_refuse_expiry()`.execute(h.database.db);
    }
    expect(await expireAsOf(0)).toEqual({ expired: 1, batches: 2, failed: 0 });
    expect(await stateOf(stuck)).toBe(SyncState.EXPIRED);
  });

  it("drops the entry of a sync whose source was deleted", async () => {
    const seeded = await seedTenant(h);
    await abandonedSync(seeded);
    expect(await openEntries(seeded.tenantId)).toHaveLength(1);
    await h.sources.deleteDataSource({ id: seeded.sourceId }, seeded.admin);
    expect(await openEntries(seeded.tenantId)).toEqual([]);
  });
});

describe("ended syncs", () => {
  it("are pruned when the source's next sync begins, once they began more than SYNC_HISTORY_DAYS ago", async () => {
    const seeded = await seedTenant(h);
    const other = await seedTenant(h);
    const committed = async (who: Seeded) => {
      const { syncId } = await h.sync.beginSync({ dataSourceId: who.sourceId, full: false }, who.syncAgent);
      await h.sync.commitSync({ syncId }, who.syncAgent);
      return syncId;
    };
    const backdate = (who: Seeded, syncId: string, days: number) =>
      withTenant(h.database.db, who.tenantId, (trx) => trx.updateTable("sync").set({ began_at: new Date(Date.now() - days * 24 * HOUR) }).where("id", "=", syncId).execute());
    const syncIds = (who: Seeded) => withTenant(h.database.db, who.tenantId, async (trx) => (await trx.selectFrom("sync").select("id").execute()).map((row) => row.id).sort());

    const old = await committed(seeded);
    const recent = await committed(seeded);
    const neighbours = await committed(other);
    await backdate(seeded, old, SYNC_HISTORY_DAYS + 1);
    await backdate(seeded, recent, SYNC_HISTORY_DAYS - 1);
    await backdate(other, neighbours, SYNC_HISTORY_DAYS + 1);

    const { syncId: next } = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    expect(await syncIds(seeded)).toEqual([recent, next].sort());
    // Another tenant's old sync waits for its own source's next sync.
    expect(await syncIds(other)).toEqual([neighbours]);
  });
});

describe("migration 20261205_003", () => {
  it("lists the syncs that were open before it ran, and leaves row-level security forced", async () => {
    const seeded = await seedTenant(h);
    // As before the migration (its own down), then an open sync, then the migration as the migrator runs it: in one transaction.
    await h.database.db.transaction().execute((trx) => migration.down(trx));
    const syncId = randomUUID();
    try {
      await withTenant(h.database.db, seeded.tenantId, (trx) =>
        sql`insert into sync (id, tenant_id, source_id, "full", state) values (${syncId}, ${seeded.tenantId}, ${seeded.sourceId}, false, 'open')`.execute(trx),
      );
    } finally {
      await h.database.db.transaction().execute((trx) => migration.up(trx));
    }
    expect(await openEntries(seeded.tenantId)).toEqual([syncId]);
    const { rows } = await sql<{ forced: boolean }>`select relforcerowsecurity as forced from pg_class where relname = 'sync'`.execute(h.database.db);
    expect(rows[0]?.forced).toBe(true);
    // A query outside the tenant still sees none of its syncs.
    expect((await h.database.db.selectFrom("sync").select("id").execute()).length).toBe(0);
  });
});
