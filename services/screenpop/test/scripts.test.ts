import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { ScriptTrigger } from "@switchboard/proto/switchboard/screenpop/v1/scripts_pb";
import { Code } from "@switchboard/rpc";
import { startHarness, type Harness } from "./support/harness.js";
import { failure } from "./support/rpc-failure.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness("screenpop_scripts");
});
afterAll(() => h?.close());

const openContact = { name: "Open contact", trigger: ScriptTrigger.RECOGNIZED, urlTemplate: "https://crm.example.com/contacts/{customerId}?from={number}", autoOpen: true, position: 1 };

describe("scripts", () => {
  it("creates, lists, updates and deletes scripts of the admin's organisation, auditing each change", async () => {
    const t = await h.seedTenant();
    const created = await h.scripts.createScript({ ...openContact, dataSourceId: t.sourceId }, t.admin);
    expect(created.script).toMatchObject({ name: "Open contact", trigger: ScriptTrigger.RECOGNIZED, dataSourceId: t.sourceId, autoOpen: true, position: 1 });
    const id = created.script!.id;
    await h.scripts.createScript({ name: "New contact", trigger: ScriptTrigger.UNRECOGNIZED, urlTemplate: "https://crm.example.com/new?phone={number}", position: 0 }, t.admin);
    expect((await h.scripts.listScripts({}, t.admin)).scripts.map((s) => s.name)).toEqual(["New contact", "Open contact"]);

    const updated = await h.scripts.updateScript({ id, ...openContact, name: "Open in CRM", position: 0 }, t.admin);
    expect(updated.script).toMatchObject({ name: "Open in CRM", dataSourceId: "" });
    await h.scripts.deleteScript({ id }, t.admin);
    expect((await h.scripts.listScripts({}, t.admin)).scripts.map((s) => s.name)).toEqual(["New contact"]);
    expect((await failure(h.scripts.deleteScript({ id }, t.admin))).code).toBe(Code.NotFound);

    const audited = (await h.auditActions()).filter((e) => e.tenantId === t.tenantId && e.resource?.id === id).map((e) => e.action);
    expect(audited).toEqual(["screenpop.script.created", "screenpop.script.updated", "screenpop.script.deleted"]);
  });

  it("refuses templates with an unknown placeholder, a forbidden scheme or a broken structure, naming the problem", async () => {
    const t = await h.seedTenant();
    const attempt = async (urlTemplate: string) => failure(h.scripts.createScript({ ...openContact, name: randomUUID(), urlTemplate }, t.admin));
    const unknown = await attempt("https://crm.example.com/contacts/{customerNo}");
    expect(unknown.code).toBe(Code.InvalidArgument);
    expect(unknown.message).toContain("url_template: uses unknown placeholder {customerNo}");
    expect((await attempt("javascript:alert({number})")).message).toContain('scheme "javascript:", which is never allowed');
    expect((await attempt("data:text/html,{number}")).message).toContain("never allowed");
    expect((await attempt("file:///etc/{number}")).message).toContain("never allowed");
    expect((await attempt("https://{customerId}.evil.com/")).message).toContain("in the host");
    expect((await attempt("https://crm.example.com/{number")).message).toContain('"{" without its "}"');
    expect((await attempt("salesforce://contact/{customerId}")).message).toContain("has not allowed");
    const filter = await failure(h.scripts.createScript({ ...openContact, dataSourceId: randomUUID() }, t.admin));
    expect(filter.message).toContain("data_source_id: no data source with id");
    const fields = await failure(h.scripts.createScript({ name: "", trigger: ScriptTrigger.UNSPECIFIED, urlTemplate: "", position: 5000 }, t.admin));
    expect(fields.message).toContain("name: must not be empty");
    expect(fields.message).toContain("trigger: must be SCRIPT_TRIGGER_RECOGNIZED");
    expect(fields.message).toContain("position: must be between 0 and 1000");
    expect((await h.scripts.listScripts({}, t.admin)).scripts).toEqual([]);
  });

  it("accepts another scheme once the admin allows it, and keeps it while a script uses it", async () => {
    const t = await h.seedTenant();
    const refused = await failure(h.scripts.updateScriptSettings({ settings: { allowedSchemes: ["salesforce", "javascript"] } }, t.admin));
    expect(refused.message).toContain('settings.allowed_schemes[1]: "javascript" can never be allowed');
    await h.scripts.updateScriptSettings({ settings: { allowedSchemes: ["Salesforce:"] } }, t.admin);
    expect((await h.scripts.getScriptSettings({}, t.admin)).settings?.allowedSchemes).toEqual(["salesforce"]);
    await h.scripts.createScript({ ...openContact, name: "Desktop", urlTemplate: "salesforce://contact/{customerId}" }, t.admin);
    const stranded = await failure(h.scripts.updateScriptSettings({ settings: { allowedSchemes: [] } }, t.admin));
    expect(stranded.code).toBe(Code.FailedPrecondition);
    expect(stranded.message).toContain('"Desktop"');
    expect((await h.auditActions()).some((e) => e.tenantId === t.tenantId && e.action === "screenpop.settings.updated")).toBe(true);
  });

  it("previews a script against a sample call", async () => {
    const t = await h.seedTenant();
    const { script } = await h.scripts.createScript(openContact, t.admin);
    const preview = await h.scripts.previewScript({ subject: { case: "scriptId", value: script!.id }, call: { number: "035 699 0230", scriptParams: { customerId: "C/17?x#y" } } }, t.admin);
    expect(preview.url).toBe("https://crm.example.com/contacts/C%2F17%3Fx%23y?from=%2B31356990230");
    const unsaved = await h.scripts.previewScript({ subject: { case: "urlTemplate", value: "https://crm.example.com/new?n={number_national}&d={direction}" }, call: { number: "+49 30 1234567", region: "DE" } }, t.admin);
    expect(unsaved.url).toBe("https://crm.example.com/new?n=0301234567&d=inbound");
    const missing = await failure(h.scripts.previewScript({ subject: { case: "scriptId", value: script!.id }, call: { number: "0356990230" } }, t.admin));
    expect(missing.message).toContain("has no value for {customerId}");
    expect((await failure(h.scripts.previewScript({ subject: { case: "scriptId", value: script!.id }, call: { number: "call me" } }, t.admin))).message).toContain("call.number");
  });

  it("keeps organisations apart and hides other organisations' scripts as NOT_FOUND", async () => {
    const a = await h.seedTenant();
    const b = await h.seedTenant();
    const { script } = await h.scripts.createScript(openContact, a.admin);
    expect((await h.scripts.listScripts({}, b.admin)).scripts).toEqual([]);
    expect((await failure(h.scripts.updateScript({ id: script!.id, ...openContact }, b.admin))).code).toBe(Code.NotFound);
    expect((await failure(h.scripts.deleteScript({ id: script!.id }, b.admin))).code).toBe(Code.NotFound);
    expect((await failure(h.scripts.previewScript({ subject: { case: "scriptId", value: script!.id }, call: { number: "0356990230" } }, b.admin))).code).toBe(Code.NotFound);
    // b's data source is not a's.
    expect((await failure(h.scripts.createScript({ ...openContact, dataSourceId: b.sourceId }, a.admin))).message).toContain("data_source_id");
  });

  it("lets only tenant admins manage scripts", async () => {
    const t = await h.seedTenant();
    const agent = await failure(h.scripts.listScripts({}, t.agent));
    expect(agent.code).toBe(Code.PermissionDenied);
    expect(agent.message).toContain("screenpop.scripts.manage");
    for (const role of ["staff-support", "staff-admin", "staff-dpo", "tenant-auditor"]) {
      const other = await h.as({ tid: t.tenantId, roles: [role], amr: ["pwd", "otp"] });
      expect((await failure(h.scripts.createScript(openContact, other))).code).toBe(Code.PermissionDenied);
    }
    expect((await failure(h.scripts.listScripts({}, {}))).code).toBe(Code.Unauthenticated);
  });
});
