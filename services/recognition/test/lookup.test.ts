import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { openDatabase, withTenant } from "@switchboard/db";
import { Code } from "@switchboard/rpc";
import { lookupNumber } from "../src/lookup/lookup-number.js";
import { createRegionCache } from "../src/lookup/region-cache.js";
import type { RecognitionDatabase } from "../src/store/schema.js";
import { holdTableLock, seedTenant, startHarness, syncOnce, type Harness } from "./support/harness.js";
import { failure } from "./support/rpc-failure.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_lookup" });
});
afterAll(() => h?.close());

const forms: Record<string, { number: string; national: string[]; international: string[] }> = {
  NL: { number: "+31356990230", national: ["035-6990230", "(035) 699 02 30", "0356990230"], international: ["+31 35 699 02 30", "0031356990230", "00 31 35 6990230"] },
  BE: { number: "+3225551212", national: ["02 555 12 12", "02/555.12.12"], international: ["+32 2 555 12 12", "0032 2 555 12 12"] },
  DE: { number: "+49301234567", national: ["030 1234567", "(030) 123 45 67"], international: ["+49 (0)30 123 45 67", "0049 30 1234567"] },
  FR: { number: "+33142685300", national: ["01 42 68 53 00", "01.42.68.53.00"], international: ["+33 1 42 68 53 00", "0033 1 42 68 53 00"] },
  GB: { number: "+442079460958", national: ["020 7946 0958"], international: ["+44 20 7946 0958", "0044 20 7946 0958"] },
  US: { number: "+12125550123", national: ["(212) 555-0123", "212.555.0123"], international: ["+1 212 555 0123", "001 212 555 0123", "011 1 212 555 0123"] },
};

describe("lookup", () => {
  for (const [region, { number, national, international }] of Object.entries(forms)) {
    it(`recognises a synced ${region} number in every format for an organisation in ${region}`, async () => {
      const seeded = await seedTenant(h, region);
      // The agent sends the number nationally formatted; callers show up in every form.
      await syncOnce(h, seeded, { full: true, upserts: [{ externalId: "42", phoneNumbers: [national[0]!], fields: { name: "Ada", company: "Acme", crmId: "42" } }] });
      for (const form of [...national, ...international]) {
        const answer = await h.lookup.lookup({ number: form }, seeded.agent);
        expect({ form, recognized: answer.recognized, normalizedNumber: answer.normalizedNumber }).toEqual({ form, recognized: true, normalizedNumber: number });
        expect(answer.matches).toMatchObject([{ dataSourceId: seeded.sourceId, externalId: "42", displayFields: { name: "Ada", company: "Acme" }, scriptParams: { crmId: "42" } }]);
      }
    });
  }

  it("returns every match, ordered by source priority", async () => {
    const seeded = await seedTenant(h, "NL", { name: "ERP", priority: 5 });
    const crm = await h.sources.createDataSource({ name: "CRM", displayFields: ["name"], scriptFields: [], priority: 1 }, seeded.admin);
    const switchboard = "+31356990000";
    await syncOnce(h, seeded, { full: true, upserts: [{ externalId: "erp-1", phoneNumbers: [switchboard], fields: { name: "Acme (ERP)" } }] });
    await syncOnce(h, seeded, {
      full: true,
      sourceId: crm.dataSource!.id,
      upserts: [
        { externalId: "crm-2", phoneNumbers: [switchboard, "+31612345678"], fields: { name: "Bob at Acme" } },
        { externalId: "crm-1", phoneNumbers: ["035 699 0000"], fields: { name: "Alice at Acme" } },
      ],
    });
    const answer = await h.lookup.lookup({ number: "035-6990000" }, seeded.agent);
    expect(answer.matches.map((m) => [m.priority, m.externalId]).slice(2)).toEqual([[5, "erp-1"]]);
    expect(answer.matches.slice(0, 2).map((m) => m.dataSourceId)).toEqual([crm.dataSource!.id, crm.dataSource!.id]);
    expect(answer.matches.slice(0, 2).map((m) => m.externalId).sort()).toEqual(["crm-1", "crm-2"]);
    // A priority change reorders at once, cache or not.
    await h.sources.updateDataSource({ id: seeded.sourceId, priority: 0, updateMask: { paths: ["priority"] } }, seeded.admin);
    expect((await h.lookup.lookup({ number: switchboard }, seeded.agent)).matches[0]?.externalId).toBe("erp-1");
    // Shown fields follow the source's configuration of now.
    await h.sources.updateDataSource({ id: crm.dataSource!.id, displayFields: ["company"], updateMask: { paths: ["display_fields"] } }, seeded.admin);
    const crmMatch = (await h.lookup.lookup({ number: switchboard }, seeded.agent)).matches.find((m) => m.externalId === "crm-2");
    expect(crmMatch?.displayFields).toEqual({});
  });

  it("answers withheld, non-numeric and extension caller ids as not recognised without touching storage", async () => {
    const seeded = await seedTenant(h);
    const closed = openDatabase<RecognitionDatabase>(h.database.url);
    await closed.destroy();
    const offline = { ...h.deps, db: closed, regions: createRegionCache(), cache: { ...h.deps.cache, read: () => Promise.reject(new Error("the cache must not be asked")) } } as typeof h.deps;
    for (const number of ["anonymous", "Withheld", "unknown", "sip:reception", "201", "**21"]) {
      expect(await lookupNumber(offline, seeded.tenantId, number, Date.now() + 500)).toEqual({ recognized: false, normalizedNumber: "", matches: [] });
      expect((await h.lookup.lookup({ number }, seeded.agent)).recognized).toBe(false);
    }
    expect((await failure(h.lookup.lookup({ number: "" }, seeded.agent))).code).toBe(Code.InvalidArgument);
    expect((await failure(h.lookup.lookup({ number: "   " }, seeded.agent))).message).toContain("number: must not be empty");
  });

  it("reads national numbers only once the organisation's region is known", async () => {
    const tenantId = randomUUID();
    const agent = await h.as({ tid: tenantId, roles: ["agent"] });
    expect(await h.lookup.lookup({ number: "035-6990230" }, agent)).toMatchObject({ recognized: false, normalizedNumber: "" });
    expect(await h.lookup.lookup({ number: "+31 35 699 02 30" }, agent)).toMatchObject({ recognized: false, normalizedNumber: "+31356990230" });
  });
});

describe("the hot cache", () => {
  it("serves the repeat of a lookup from Redis, holding only ciphertext", async () => {
    const seeded = await seedTenant(h);
    await syncOnce(h, seeded, { full: true, upserts: [{ externalId: "CRM-5521", phoneNumbers: ["+31356990230"], fields: { name: "Wilhelmina Zonderland", company: "Acme Holding" } }] });
    // The sync left only a block marker (no data) on the number.
    const [marker] = await h.cacheKeys(seeded.tenantId);
    expect(await h.redis.get(marker!)).toMatch(/^~/);
    const first = await h.lookup.lookup({ number: "+31356990230" }, seeded.agent);
    const keys = await h.cacheKeys(seeded.tenantId);
    expect(keys).toHaveLength(1);
    const value = (await h.redis.getBuffer(keys[0]!))!;
    for (const clear of ["+31356990230", "31356990230", "6990230", "Wilhelmina", "Zonderland", "Acme", "CRM-5521"]) {
      expect(keys[0]!.includes(clear)).toBe(false);
      expect(value.includes(Buffer.from(clear))).toBe(false);
    }
    // The hit answers the same, even with Postgres' copy gone behind the service's back.
    await withTenant(h.database.db, seeded.tenantId, (trx) => trx.deleteFrom("record_number").execute());
    expect(await h.lookup.lookup({ number: "035 699 02 30" }, seeded.agent)).toEqual(first);
  });

  it("caches unknown numbers for a short while, and forgets them when a sync adds them", async () => {
    const seeded = await seedTenant(h);
    expect((await h.lookup.lookup({ number: "+31356990231" }, seeded.agent)).recognized).toBe(false);
    const [key] = await h.cacheKeys(seeded.tenantId);
    expect(await h.redis.get(key!)).toBe("0");
    const ttl = await h.redis.pttl(key!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await syncOnce(h, seeded, { full: false, upserts: [{ externalId: "9", phoneNumbers: ["+31356990231"], fields: { name: "New" } }] });
    expect((await h.lookup.lookup({ number: "+31356990231" }, seeded.agent)).matches.map((m) => m.displayFields)).toEqual([{ name: "New" }]);
  });

  it("invalidates on every change to the records behind a number", async () => {
    const seeded = await seedTenant(h);
    const number = "+31356990232";
    const name = async () => (await h.lookup.lookup({ number }, seeded.agent)).matches.map((m) => m.displayFields.name);
    await syncOnce(h, seeded, { full: true, upserts: [{ externalId: "1", phoneNumbers: [number], fields: { name: "Before" } }] });
    expect(await name()).toEqual(["Before"]);
    await syncOnce(h, seeded, { full: false, upserts: [{ externalId: "1", phoneNumbers: [number], fields: { name: "After" } }] });
    expect(await name()).toEqual(["After"]);
    // The record moves to another number: the old number stops matching at once.
    await syncOnce(h, seeded, { full: false, upserts: [{ externalId: "1", phoneNumbers: ["+31356990233"], fields: { name: "After" } }] });
    expect(await name()).toEqual([]);
    await syncOnce(h, seeded, { full: false, upserts: [{ externalId: "2", phoneNumbers: [number], fields: { name: "Other" } }] });
    expect(await name()).toEqual(["Other"]);
    await syncOnce(h, seeded, { full: false, deletes: ["2"] });
    expect(await name()).toEqual([]);
    await syncOnce(h, seeded, { full: false, upserts: [{ externalId: "3", phoneNumbers: [number], fields: { name: "Third" } }] });
    expect(await name()).toEqual(["Third"]);
    await syncOnce(h, seeded, { full: true, upserts: [] });
    expect(await name()).toEqual([]);
  });
});

describe("the deadline", () => {
  it("answers not recognised rather than late when storage is slower than the deadline", async () => {
    const seeded = await seedTenant(h);
    const number = "+31356990234";
    await syncOnce(h, seeded, { full: true, upserts: [{ externalId: "1", phoneNumbers: [number], fields: { name: "Slow" } }] });
    expect((await lookupNumber(h.deps, seeded.tenantId, number, Date.now() + 500)).recognized).toBe(true);
    const index = await withTenant(h.database.db, seeded.tenantId, (trx) => h.deps.keyring.blindIndex(trx, seeded.tenantId, number));
    await h.deps.cache.remove(seeded.tenantId, [index]);
    // Another transaction holds a lock every read of the numbers must wait for, for 1.5 s.
    const lock = await holdTableLock(h, "record_number", 1_500);
    const started = Date.now();
    const answer = await lookupNumber(h.deps, seeded.tenantId, number, started + 300);
    const waited = Date.now() - started;
    await lock.released;
    expect(answer).toEqual({ recognized: false, normalizedNumber: "", matches: [] });
    expect(waited).toBeGreaterThanOrEqual(295);
    expect(waited).toBeLessThan(450);
    // The lock is gone: the same lookup answers again.
    expect((await lookupNumber(h.deps, seeded.tenantId, number, Date.now() + 500)).recognized).toBe(true);
  });
});
