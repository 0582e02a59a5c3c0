// End to end: identity and recognition as `make up` runs them (their built
// output, each its own process and database) behind the gateway's production
// route table, on real Postgres, Redis and NATS, with the demo organisation
// (region NL). Recognition learns the region from identity's
// organization.created event. Needs both services built (make test builds
// every package before the suites run).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { startBuiltIdentity, startBuiltRecognition, type BuiltService } from "./fixtures/built-services.js";
import { demo, startEdge, type Edge } from "./fixtures/edge.js";

let identity: BuiltService;
let recognition: BuiltService;
let edge: Edge;

beforeAll(async () => {
  identity = await startBuiltIdentity(demo);
  recognition = await startBuiltRecognition(identity.target);
  edge = await startEdge({ identity: identity.target, recognition: recognition.target });
}, 90_000);

afterAll(async () => {
  await edge?.close();
  await recognition?.stop();
  await identity?.stop();
});

describe("recognition through the gateway, with the demo organisation", () => {
  it("recognises a synced source in every number format, and forgets it at once when the source is deleted", async () => {
    const admin = await edge.signIn(demo.admin);
    const agent = await edge.signIn(demo.agent);
    const created = await edge.call("recognition.v1.DataSourceService/CreateDataSource", { name: "Demo CRM", displayFields: ["name", "company"], scriptFields: ["crmId"] }, admin);
    expect(created.status).toBe(200);
    const sourceId = created.json.dataSource.id as string;

    // The region (NL) reaches recognition through identity's event; national numbers work from then on.
    const lookup = (number: string) => edge.call("recognition.v1.RecognitionService/Lookup", { number }, agent);
    const begun = await edge.call("recognition.v1.SyncService/BeginSync", { dataSourceId: sourceId, full: true }, admin);
    expect(begun.json.digest).toMatch(/^[0-9a-f]{64}$/);
    const upserts = [
      { externalId: "c-1", phoneNumbers: ["+31 35 699 02 30"], fields: { name: "Ada Lovelace", company: "Analytical", crmId: "c-1" } },
      { externalId: "c-2", phoneNumbers: ["+49 (0)30 123 45 67"], fields: { name: "Bob", email: "bob@example.org" } },
    ];
    const pushed = await edge.call("recognition.v1.SyncService/PushRecords", { syncId: begun.json.syncId, batchId: "1", upserts }, admin);
    expect(pushed.json.accepted).toBe(1);
    expect(pushed.json.rejected).toEqual([{ externalId: "c-2", reason: expect.stringContaining('field "email"') }]);
    const committed = await edge.call("recognition.v1.SyncService/CommitSync", { syncId: begun.json.syncId }, admin);
    expect(committed.json.recordCount).toBe("1");

    await expect.poll(async () => (await lookup("035-6990230")).json.recognized ?? false, { timeout: 30_000, interval: 250 }).toBe(true);
    for (const number of ["035-6990230", "0031356990230", "(035) 699 02 30", "+31 35 699 02 30", "0356990230"]) {
      const answer = await lookup(number);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        recognized: true,
        normalizedNumber: "+31356990230",
        matches: [{ dataSourceId: sourceId, externalId: "c-1", displayFields: { name: "Ada Lovelace", company: "Analytical" }, scriptParams: { crmId: "c-1" } }],
      });
    }
    expect((await lookup("anonymous")).json).toEqual({});
    expect((await lookup("")).json).toMatchObject({ code: "invalid_argument" });

    const deleted = await edge.call("recognition.v1.DataSourceService/DeleteDataSource", { id: sourceId }, admin);
    expect(deleted.json).toEqual({ recordsDeleted: "1" });
    expect((await lookup("035-6990230")).json).toEqual({ normalizedNumber: "+31356990230" });
    expect((await edge.call("recognition.v1.DataSourceService/GetDataSource", { id: sourceId }, admin)).json).toMatchObject({ code: "not_found" });
  });

  it("keeps agents out of configuration and sync", async () => {
    const agent = await edge.signIn(demo.agent);
    expect(await edge.call("recognition.v1.DataSourceService/ListDataSources", {}, agent)).toMatchObject({ status: 403, json: { code: "permission_denied" } });
    expect(await edge.call("recognition.v1.SyncService/BeginSync", { dataSourceId: randomUUID(), full: true }, agent)).toMatchObject({ status: 403 });
    expect(await edge.call("recognition.v1.RecognitionService/Lookup", { number: "+31356990230" })).toMatchObject({ status: 401 });
  });
});
