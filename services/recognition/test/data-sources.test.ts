import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Code } from "@switchboard/rpc";
import { startHarness, seedTenant, type Harness } from "./support/harness.js";
import { failure } from "./support/rpc-failure.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: "recognition_sources" });
});
afterAll(() => h?.close());

describe("data sources", () => {
  it("creates, reads, lists, updates and deletes a source of the caller's organisation", async () => {
    const tenantId = randomUUID();
    const admin = await h.as({ tid: tenantId, roles: ["tenant-admin"] });
    const created = await h.sources.createDataSource({ name: "Salesforce", displayFields: ["name", "company"], scriptFields: ["accountId"], priority: 2 }, admin);
    expect(created.dataSource).toMatchObject({ name: "Salesforce", displayFields: ["name", "company"], scriptFields: ["accountId"], priority: 2, recordCount: 0n });
    const id = created.dataSource!.id;
    await h.sources.createDataSource({ name: "Exact", displayFields: ["name"] }, admin);

    expect((await h.sources.getDataSource({ id }, admin)).dataSource?.name).toBe("Salesforce");
    const firstPage = await h.sources.listDataSources({ pageSize: 1 }, admin);
    expect(firstPage.dataSources.map((s) => s.name)).toEqual(["Exact"]);
    const secondPage = await h.sources.listDataSources({ pageSize: 1, pageToken: firstPage.nextPageToken }, admin);
    expect(secondPage.dataSources.map((s) => s.name)).toEqual(["Salesforce"]);
    expect(secondPage.nextPageToken).toBe("");

    const updated = await h.sources.updateDataSource({ id, priority: 5, displayFields: ["name"], updateMask: { paths: ["priority"] } }, admin);
    expect(updated.dataSource).toMatchObject({ priority: 5, displayFields: ["name", "company"] });
    const renamed = await h.sources.updateDataSource({ id, name: "Salesforce EU", displayFields: ["name"], scriptFields: [], priority: 1 }, admin);
    expect(renamed.dataSource).toMatchObject({ name: "Salesforce EU", displayFields: ["name"], scriptFields: [], priority: 1 });

    expect(await h.sources.deleteDataSource({ id }, admin)).toMatchObject({ recordsDeleted: 0n });
    expect((await failure(h.sources.getDataSource({ id }, admin))).code).toBe(Code.NotFound);
  });

  it("refuses bad configurations naming the field", async () => {
    const admin = await h.as({ tid: randomUUID(), roles: ["tenant-admin"] });
    const empty = await failure(h.sources.createDataSource({ name: "", displayFields: [] }, admin));
    expect(empty.code).toBe(Code.InvalidArgument);
    expect(empty.message).toContain("name: must not be empty");
    expect(empty.message).toContain("display_fields: must name at least one field");
    const badName = await failure(h.sources.createDataSource({ name: "CRM", displayFields: ["full name"], scriptFields: ["id", "id"] }, admin));
    expect(badName.message).toContain("display_fields[0]");
    expect(badName.message).toContain('script_fields: names "id" twice');
    const mask = await failure(h.sources.updateDataSource({ id: randomUUID(), updateMask: { paths: ["tenant_id"] } }, admin));
    expect(mask.message).toContain("update_mask: cannot change tenant_id");
  });

  it("refuses a second source of the same name with ALREADY_EXISTS", async () => {
    const admin = await h.as({ tid: randomUUID(), roles: ["tenant-admin"] });
    await h.sources.createDataSource({ name: "CRM", displayFields: ["name"] }, admin);
    expect((await failure(h.sources.createDataSource({ name: "CRM", displayFields: ["name"] }, admin))).code).toBe(Code.AlreadyExists);
  });

  it("hides other organisations' sources as NOT_FOUND", async () => {
    const seeded = await seedTenant(h);
    const otherAdmin = await h.as({ tid: randomUUID(), roles: ["tenant-admin"] });
    expect((await failure(h.sources.getDataSource({ id: seeded.sourceId }, otherAdmin))).code).toBe(Code.NotFound);
    expect((await failure(h.sources.deleteDataSource({ id: seeded.sourceId }, otherAdmin))).code).toBe(Code.NotFound);
    expect((await failure(h.sync.beginSync({ dataSourceId: seeded.sourceId, full: true }, await h.as({ tid: randomUUID(), roles: ["sync-agent"], typ: "service" })))).code).toBe(Code.NotFound);
    expect((await h.sources.listDataSources({}, otherAdmin)).dataSources).toEqual([]);
  });
});

describe("permissions", () => {
  it("lets agents look up only, the sync account sync only, and staff nothing", async () => {
    const seeded = await seedTenant(h);
    expect((await failure(h.sources.listDataSources({}, seeded.agent))).code).toBe(Code.PermissionDenied);
    expect((await failure(h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.agent))).code).toBe(Code.PermissionDenied);
    expect((await h.lookup.lookup({ number: "+31356990230" }, seeded.agent)).recognized).toBe(false);

    expect((await failure(h.sources.listDataSources({}, seeded.syncAgent))).code).toBe(Code.PermissionDenied);
    expect((await failure(h.lookup.lookup({ number: "+31356990230" }, seeded.syncAgent))).code).toBe(Code.PermissionDenied);
    const begun = await h.sync.beginSync({ dataSourceId: seeded.sourceId, full: false }, seeded.syncAgent);
    expect(begun.dataSource?.displayFields).toEqual(["name", "company"]);

    for (const role of ["staff-support", "staff-admin", "staff-dpo", "tenant-auditor"]) {
      const staff = await h.as({ tid: seeded.tenantId, roles: [role], amr: ["pwd", "otp"] });
      expect((await failure(h.lookup.lookup({ number: "+31356990230" }, staff))).code).toBe(Code.PermissionDenied);
      expect((await failure(h.sources.listDataSources({}, staff))).code).toBe(Code.PermissionDenied);
      expect((await failure(h.sync.getSyncState({ dataSourceId: seeded.sourceId }, staff))).code).toBe(Code.PermissionDenied);
    }
    expect((await failure(h.lookup.lookup({ number: "+31356990230" }))).code).toBe(Code.Unauthenticated);
  });
});
