import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { connectEvents, publishEvent, type EventsConnection } from "@switchboard/events";
import { withTenant } from "@switchboard/db";
import { DataSourceUpdatedSchema } from "@switchboard/proto/switchboard/recognition/v1/events_pb";
import { scrubRemovedFields } from "../src/deletion/scrub-removed-fields.js";
import { decodePayload, type RecordPayload } from "../src/domain/sync-record.js";
import { startFieldScrubConsumer } from "../src/events/field-scrub-consumer.js";
import { recognitionEvents } from "../src/events/recognition-events.js";
import { payloadAad, sourceScope } from "../src/store/record-crypto.js";
import { seedTenant, startHarness, syncOnce, type Harness, type Seeded } from "./support/harness.js";

let h: Harness;
let events: EventsConnection;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_field_scrub" });
  events = await connectEvents({ url: process.env.NATS_URL!, name: "recognition-field-scrub-test" });
});
afterAll(async () => {
  await events?.close();
  await h?.close();
});

const records: { externalId: string; phoneNumbers: string[]; fields: Record<string, string> }[] = [
  { externalId: "c-1", phoneNumbers: ["+31356990201"], fields: { name: "Ada Lovelace", company: "Analytical Engines", crmId: "C1" } },
  { externalId: "c-2", phoneNumbers: ["+31356990202", "+31356990203"], fields: { name: "Bob Noyce", company: "Fairchild", crmId: "C2" } },
  { externalId: "c-3", phoneNumbers: ["+31356990204"], fields: { name: "Cy Twombly", crmId: "C3" } },
];

/** What the source's records hold, decrypted, by external id. */
async function storedPayloads(seeded: Seeded): Promise<Record<string, RecordPayload>> {
  return withTenant(h.database.db, seeded.tenantId, async (trx) => {
    const rows = await trx.selectFrom("recognition_record").select(["record_key", "payload"]).where("source_id", "=", seeded.sourceId).execute();
    const payloads: Record<string, RecordPayload> = {};
    for (const row of rows) {
      const payload = decodePayload(await h.deps.keyring.decrypt(trx, seeded.tenantId, sourceScope(seeded.sourceId), row.payload, payloadAad(seeded.sourceId, row.record_key)));
      payloads[payload.externalId] = payload;
    }
    return payloads;
  });
}

async function seedWithRecords(): Promise<Seeded> {
  const seeded = await seedTenant(h, "NL", { displayFields: ["name", "company"], scriptFields: ["crmId"] });
  await syncOnce(h, seeded, { full: true, upserts: records });
  // Cached, so the scrub has entries to drop.
  for (const record of records) expect((await h.lookup.lookup({ number: record.phoneNumbers[0]! }, seeded.agent)).recognized).toBe(true);
  return seeded;
}

const dropCompany = (seeded: Seeded) => h.sources.updateDataSource({ id: seeded.sourceId, displayFields: ["name"], updateMask: { paths: ["display_fields"] } }, seeded.admin);

describe("removing a field from a source", () => {
  it("rewrites the stored records without it, keeps the rest, and drops their cache entries", async () => {
    const seeded = await seedWithRecords();
    await dropCompany(seeded);
    await h.lookup.lookup({ number: records[0]!.phoneNumbers[0]! }, seeded.agent); // cached again between the change and the scrub

    expect(await scrubRemovedFields(h.deps, seeded.tenantId, seeded.sourceId, { system: "test" })).toEqual({ examined: 3, rewritten: 2 });

    const stored = await storedPayloads(seeded);
    expect(stored["c-1"]).toEqual({ externalId: "c-1", numbers: ["+31356990201"], fields: { name: "Ada Lovelace", crmId: "C1" } });
    expect(stored["c-2"]).toEqual({ externalId: "c-2", numbers: ["+31356990202", "+31356990203"], fields: { name: "Bob Noyce", crmId: "C2" } });
    expect(stored["c-3"]!.fields).toEqual({ name: "Cy Twombly", crmId: "C3" });
    // No cached ciphertext of the old payloads is left to decrypt.
    const cached = await Promise.all((await h.cacheKeys(seeded.tenantId)).map((key) => h.redis.get(key)));
    expect(cached.filter((value) => value !== null && value.startsWith("["))).toEqual([]);
    const answer = await h.lookup.lookup({ number: "+31356990203" }, seeded.agent);
    expect(answer.matches.map((m) => ({ display: m.displayFields, script: m.scriptParams }))).toEqual([{ display: { name: "Bob Noyce" }, script: { crmId: "C2" } }]);

    // Run again: nothing left to rewrite.
    expect(await scrubRemovedFields(h.deps, seeded.tenantId, seeded.sourceId, { system: "test" })).toEqual({ examined: 3, rewritten: 0 });
  });

  it("works through a source chunk by chunk, each chunk its own transaction", async () => {
    const seeded = await seedWithRecords();
    await dropCompany(seeded);
    expect(await scrubRemovedFields(h.deps, seeded.tenantId, seeded.sourceId, { system: "test" }, { chunkSize: 2 })).toEqual({ examined: 3, rewritten: 2 });
    expect(Object.values(await storedPayloads(seeded)).filter((payload) => "company" in payload.fields)).toEqual([]);
  });

  it("leaves the records as the agent's next sync without the field finds them: unchanged, nothing written", async () => {
    const seeded = await seedWithRecords();
    await dropCompany(seeded);
    await scrubRemovedFields(h.deps, seeded.tenantId, seeded.sourceId, { system: "test" });
    const withoutCompany = records.map(({ fields: { company: _company, ...fields }, ...record }) => ({ ...record, fields }));
    const { committed } = await syncOnce(h, seeded, { full: false, upserts: withoutCompany });
    const counts = committed.sync!;
    expect({ upserted: counts.upserted, unchanged: counts.unchanged, rejected: counts.rejected }).toEqual({ upserted: 0n, unchanged: 3n, rejected: 0n });
  });

  it("records an audit event for the rewrite, naming counts and field names only", async () => {
    const seeded = await seedWithRecords();
    await dropCompany(seeded);
    await h.database.db.deleteFrom("event_outbox").execute();
    await scrubRemovedFields(h.deps, seeded.tenantId, seeded.sourceId, { system: "test" });
    const outbox = await h.database.db.selectFrom("event_outbox").select(["subject", "payload"]).execute();
    const audits = outbox.filter((row) => row.subject === "switchboard.audit.event.recorded");
    expect(audits).toHaveLength(1);
    const text = Buffer.from(audits[0]!.payload).toString("latin1");
    expect(text).toContain("recognition.records.fields_removed");
    expect(text).not.toContain("Ada");
    expect(text).not.toContain("Analytical");
  });

  it("runs on the source's data_source.updated event", async () => {
    const durable = `recognition-test-${randomUUID()}`;
    const consumer = await startFieldScrubConsumer(h.deps, events, durable);
    try {
      const seeded = await seedWithRecords();
      await dropCompany(seeded);
      // As the outbox relay publishes what UpdateDataSource enqueued.
      await publishEvent(events.js, recognitionEvents.dataSourceUpdated, create(DataSourceUpdatedSchema, { organizationId: seeded.tenantId, dataSourceId: seeded.sourceId, changed: ["display_fields"] }), { msgId: randomUUID() });
      await expect.poll(async () => Object.values(await storedPayloads(seeded)).filter((payload) => "company" in payload.fields).length, { timeout: 20_000 }).toBe(0);
    } finally {
      await consumer.stop();
      await events.jsm.consumers.delete("SWITCHBOARD_RECOGNITION", durable).catch(() => {});
    }
  });

  it("skips a source deleted before its scrub ran", async () => {
    const gone = await seedWithRecords();
    await h.sources.deleteDataSource({ id: gone.sourceId }, gone.admin);
    expect(await scrubRemovedFields(h.deps, gone.tenantId, gone.sourceId, { system: "test" })).toBeUndefined();
  });
});
