import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { connectEvents, publishEvent, type EventsConnection } from "@switchboard/events";
import { withTenant } from "@switchboard/db";
import { Code } from "@switchboard/rpc";
import { OrganizationCreatedSchema, OrganizationTerminatedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import { organizationCreated, organizationTerminated } from "../src/events/identity-events.js";
import { startOrganizationConsumer } from "../src/events/organization-consumer.js";
import { countRows, seedTenant, startHarness, syncOnce, type Harness, type Seeded } from "./support/harness.js";
import { failure } from "./support/rpc-failure.js";

let h: Harness;
let events: EventsConnection;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_deletion" });
  events = await connectEvents({ url: process.env.NATS_URL!, name: "recognition-deletion-test" });
});
afterAll(async () => {
  await events?.close();
  await h?.close();
});

async function fill(seeded: Seeded, sourceId = seeded.sourceId, base = 100) {
  const upserts = Array.from({ length: 5 }, (_, i) => ({ externalId: `${sourceId}-${i}`, phoneNumbers: [`+313569${base + i}00`, `+316123${base + i}00`], fields: { name: `Contact ${i}` } }));
  await syncOnce(h, seeded, { full: true, upserts, sourceId });
  for (const record of upserts) expect((await h.lookup.lookup({ number: record.phoneNumbers[0]! }, seeded.agent)).recognized).toBe(true);
  return upserts;
}

describe("DeleteDataSource", () => {
  it("leaves zero rows, zero cache keys and no key of the source, within the request, and keeps the other sources", async () => {
    const seeded = await seedTenant(h);
    const other = (await h.sources.createDataSource({ name: "ERP", displayFields: ["name"] }, seeded.admin)).dataSource!.id;
    const deletedRecords = await fill(seeded);
    const kept = await fill(seeded, other, 200);
    expect(await countRows(h, seeded.tenantId, seeded.sourceId)).toMatchObject({ data_source: 1, recognition_record: 5, record_number: 10, tenant_key: 1 });
    // Each source's ten numbers: five cached by the lookups above, five with the sync's block markers.
    expect(await h.cacheKeys(seeded.tenantId)).toHaveLength(20);

    expect(await h.sources.deleteDataSource({ id: seeded.sourceId }, seeded.admin)).toMatchObject({ recordsDeleted: 5n });
    expect(await countRows(h, seeded.tenantId, seeded.sourceId)).toEqual({ data_source: 0, recognition_record: 0, record_number: 0, sync: 0, tenant_key: 0 });
    expect(await h.cacheKeys(seeded.tenantId)).toHaveLength(10);
    const deletedNumbers = deletedRecords.flatMap((r) => r.phoneNumbers);
    const deletedKeys = await withTenant(h.database.db, seeded.tenantId, async (trx) =>
      Promise.all(deletedNumbers.map(async (n) => h.deps.cache.keyOf(seeded.tenantId, await h.deps.keyring.blindIndex(trx, seeded.tenantId, n)))),
    );
    expect(await h.redis.exists(...deletedKeys)).toBe(0);
    for (const record of deletedRecords) {
      expect((await h.lookup.lookup({ number: record.phoneNumbers[0]! }, seeded.agent)).recognized).toBe(false);
    }
    for (const record of kept) expect((await h.lookup.lookup({ number: record.phoneNumbers[0]! }, seeded.agent)).recognized).toBe(true);
    expect((await failure(h.sources.deleteDataSource({ id: seeded.sourceId }, seeded.admin))).code).toBe(Code.NotFound);
  });

  it("emits the deletion and its audit event in the same transaction", async () => {
    const seeded = await seedTenant(h);
    await fill(seeded);
    await h.sources.deleteDataSource({ id: seeded.sourceId }, seeded.admin);
    const outbox = await h.database.db.selectFrom("event_outbox").select("subject").execute();
    const subjects = outbox.map((row) => row.subject);
    expect(subjects).toContain("switchboard.recognition.data_source.deleted");
    expect(subjects).toContain("switchboard.audit.event.recorded");
  });
});

describe("organisation events", () => {
  it("learns the default region, and destroys every row, cache key and key of a terminated organisation", async () => {
    const durable = `recognition-test-${randomUUID()}`;
    const consumer = await startOrganizationConsumer(h.deps, events, durable);
    try {
      const seeded = await seedTenant(h, "US");
      await fill(seeded);
      const neighbour = await seedTenant(h);
      const neighbours = await fill(neighbour);

      // The region arrives from identity's event.
      await publishEvent(events.js, organizationCreated, create(OrganizationCreatedSchema, { organizationId: seeded.tenantId, defaultRegion: "de" }), { msgId: randomUUID() });
      await expect.poll(() => withTenant(h.database.db, seeded.tenantId, (trx) => trx.selectFrom("tenant_settings").select("default_region").executeTakeFirst()), { timeout: 20_000 }).toEqual({ default_region: "DE" });

      // An agent mid-sync: its open sync and batch go too.
      const open = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: true }, seeded.syncAgent);
      await h.sync.pushRecords({ syncId: open.syncId, batchId: "1", upserts: [{ externalId: "mid", phoneNumbers: ["+31356990299"], fields: { name: "Mid" } }], deletes: [] }, seeded.syncAgent);
      expect(await countRows(h, seeded.tenantId)).toMatchObject({ sync_batch: 1, open_sync: 1 });

      const terminated = create(OrganizationTerminatedSchema, { organizationId: seeded.tenantId, terminateTime: timestampNow() });
      const msgId = randomUUID();
      await publishEvent(events.js, organizationTerminated, terminated, { msgId });
      await expect.poll(() => countRows(h, seeded.tenantId), { timeout: 20_000 }).toEqual({ data_source: 0, recognition_record: 0, record_number: 0, sync: 0, sync_batch: 0, open_sync: 0, tenant_key: 0, tenant_settings: 0 });
      await expect.poll(() => h.cacheKeys(seeded.tenantId), { timeout: 5_000 }).toEqual([]);
      expect((await h.lookup.lookup({ number: "+31356910000" }, seeded.agent)).recognized).toBe(false);
      expect(await h.cacheKeys(seeded.tenantId)).toHaveLength(1); // that lookup's own "unknown"

      // The neighbour keeps everything.
      for (const record of neighbours) expect((await h.lookup.lookup({ number: record.phoneNumbers[1]! }, neighbour.agent)).recognized).toBe(true);
      expect((await countRows(h, neighbour.tenantId)).recognition_record).toBe(5);
    } finally {
      await consumer.stop();
      await events.jsm.consumers.delete("SWITCHBOARD_IDENTITY", durable).catch(() => {});
    }
  });
});
