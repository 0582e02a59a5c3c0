import { describe, expect, it } from "vitest";
import { nationalDigits } from "./call-values.js";
import { chooseAndRender, type ScriptDefinition } from "./script-choice.js";

const call = { e164: "+31356990230", raw: "0356990230", extension: "1001", direction: "inbound" as const };
const script = (over: Partial<ScriptDefinition>): ScriptDefinition => ({
  id: over.name ?? "s",
  name: "s",
  trigger: "always",
  urlTemplate: "https://crm.example.com/",
  dataSourceId: "",
  autoOpen: false,
  position: 0,
  ...over,
});
const scripts = [
  script({ name: "open contact", trigger: "recognized", urlTemplate: "https://crm.example.com/contacts/{customerId}", position: 1, autoOpen: true }),
  script({ name: "new contact", trigger: "unrecognized", urlTemplate: "https://crm.example.com/new?phone={number}&n={number_national}" }),
  script({ name: "log call", trigger: "always", urlTemplate: "https://crm.example.com/log?ext={extension}&dir={direction}", position: 2 }),
  script({ name: "erp", trigger: "recognized", urlTemplate: "https://erp.example.com/{erpId}", dataSourceId: "erp-source", position: 3 }),
];

describe("choosing scripts", () => {
  it("runs recognised and always scripts for a recognised caller, in position order", () => {
    const { actions, skipped } = chooseAndRender(scripts, call, [{ dataSourceId: "crm-source", scriptParams: { customerId: "C-17" } }]);
    expect(actions).toEqual([
      { scriptId: "open contact", name: "open contact", url: "https://crm.example.com/contacts/C-17", autoOpen: true },
      { scriptId: "log call", name: "log call", url: "https://crm.example.com/log?ext=1001&dir=inbound", autoOpen: false },
    ]);
    expect(skipped).toEqual([]);
  });

  it("runs unrecognised and always scripts for an unknown caller, with the number filled in", () => {
    const { actions } = chooseAndRender(scripts, call, []);
    expect(actions.map((a) => a.url)).toEqual(["https://crm.example.com/new?phone=%2B31356990230&n=0356990230", "https://crm.example.com/log?ext=1001&dir=inbound"]);
  });

  it("takes a filtered script's fields from its own source's match", () => {
    const { actions } = chooseAndRender(scripts, call, [
      { dataSourceId: "crm-source", scriptParams: { customerId: "C-17" } },
      { dataSourceId: "erp-source", scriptParams: { erpId: "E/9" } },
    ]);
    expect(actions.map((a) => a.url)).toContain("https://erp.example.com/E%2F9");
  });

  it("skips, and reports, a script whose match lacks a field", () => {
    const { actions, skipped } = chooseAndRender(scripts, call, [{ dataSourceId: "crm-source", scriptParams: {} }]);
    expect(actions.map((a) => a.name)).toEqual(["log call"]);
    expect(skipped).toEqual([{ scriptId: "open contact", problem: "has no value for {customerId}" }]);
  });

  it("does not let a CRM field named like a built-in replace it", () => {
    const { actions } = chooseAndRender([script({ urlTemplate: "https://crm.example.com/?n={number}" })], call, [{ dataSourceId: "x", scriptParams: { number: "evil" } }]);
    expect(actions[0]?.url).toBe("https://crm.example.com/?n=%2B31356990230");
  });

  it("reads national numbers in their own country", () => {
    expect(nationalDigits("+31356990230")).toBe("0356990230");
    expect(nationalDigits("+442079460000")).toBe("02079460000");
    expect(nationalDigits("")).toBe("");
  });
});
