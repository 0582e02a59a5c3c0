import { describe, expect, it } from "vitest";
import { builtinPlaceholders, checkTemplate, encodeComponent, maxRenderedLength, parseTemplate, renderParsed, TemplateError } from "./url-template.js";

const known = new Set<string>([...builtinPlaceholders, "customerId", "crm.id"]);
const rules = { allowedSchemes: [] as string[], knownPlaceholders: known };
const problemOf = (template: string, allowedSchemes: string[] = []) => {
  try {
    return checkTemplate(parseTemplate(template), { ...rules, allowedSchemes });
  } catch (error) {
    if (error instanceof TemplateError) return error.message;
    throw error;
  }
};
const render = (template: string, values: Record<string, string>) => renderParsed(parseTemplate(template), values);
const url = (template: string, values: Record<string, string>) => {
  const result = render(template, values);
  if (!result.ok) throw new Error(result.problem);
  return result.url;
};

describe("template rules", () => {
  it("accepts https templates with placeholders in path, query and fragment", () => {
    expect(problemOf("https://crm.example.com/contacts/{customerId}?phone={number}&ext={extension}#{direction}")).toBeUndefined();
    expect(problemOf("https://crm.example.com:8443/new?n={number_national}&src={crm.id}")).toBeUndefined();
  });

  it("refuses javascript:, data:, file: and http: whatever the organisation allows", () => {
    for (const scheme of ["javascript", "data", "file", "vbscript", "http"]) {
      expect(problemOf(`${scheme}:alert({number})`, [scheme])).toContain("never allowed");
    }
    expect(problemOf("JavaScript:alert(1)", ["javascript"])).toContain("never allowed");
  });

  it("allows another scheme only when the organisation allowed it", () => {
    expect(problemOf("salesforce://open?phone={number}")).toContain("has not allowed");
    expect(problemOf("salesforce://open?phone={number}", ["salesforce"])).toBeUndefined();
    expect(problemOf("crm:contact/{customerId}", ["crm"])).toBeUndefined();
  });

  it("refuses a placeholder in the scheme, user info or host", () => {
    expect(problemOf("{number}://x")).toContain("literal scheme");
    expect(problemOf("https://{customerId}.crm.example.com/")).toContain("in the host");
    expect(problemOf("https://crm.example.com{customerId}/x")).toContain("in the host");
    expect(problemOf("https://{customerId}@crm.example.com/")).toContain("in the host");
    expect(problemOf("https://user:pw@crm.example.com/{number}")).toContain("user name or password");
    expect(problemOf("https:/crm.example.com/{number}")).toContain("absolute https URL");
  });

  it("names unknown placeholders", () => {
    expect(problemOf("https://crm.example.com/{customerID}?x={nope}")).toBe(
      "uses unknown placeholders {customerID}, {nope}: use {number}, {number_national}, {extension}, {direction} or a script field of one of your data sources",
    );
  });

  it("names malformed templates", () => {
    expect(problemOf("https://crm.example.com/{number")).toContain('"{" without its "}" at character 25');
    expect(problemOf("https://crm.example.com/number}")).toContain('"}" without its "{"');
    expect(problemOf("https://crm.example.com/{}")).toContain('malformed placeholder "{}"');
    expect(problemOf("https://crm.example.com/{a b}")).toContain("spaces");
    expect(problemOf("https://crm.example.com/{{number}}")).toContain('"{" without its "}"');
    expect(problemOf("")).toBe("must not be empty");
    expect(problemOf(`https://crm.example.com/${"a".repeat(2_000)}`)).toContain("at most 2000 characters");
    expect(problemOf("crm.example.com/{number}")).toContain("literal scheme");
  });
});

describe("rendering hostile values", () => {
  const template = "https://crm.example.com/contacts/{customerId}/view?phone={number}&q={customerId}#{customerId}";

  it.each([
    ["../", "..%2F"],
    ["../../admin", "..%2F..%2Fadmin"],
    ["?admin=1", "%3Fadmin%3D1"],
    ["#top", "%23top"],
    ["@evil.com", "%40evil.com"],
    ["a/b\\c", "a%2Fb%5Cc"],
    ["x&y=z+1", "x%26y%3Dz%2B1"],
    ["Zoë Müller 中文 🙂", "Zo%C3%AB%20M%C3%BCller%20%E4%B8%AD%E6%96%87%20%F0%9F%99%82"],
    ["it's (a)*!", "it%27s%20%28a%29%2A%21"],
    ["//evil.com", "%2F%2Fevil.com"],
    ["javascript:alert(1)", "javascript%3Aalert%281%29"],
  ])("keeps %j inside its component", (value, encoded) => {
    const rendered = new URL(url(template, { customerId: value, number: "+31356990230" }));
    expect(rendered.host).toBe("crm.example.com");
    expect(rendered.protocol).toBe("https:");
    expect(rendered.pathname).toBe(`/contacts/${encoded}/view`);
    expect(rendered.searchParams.get("q")).toBe(value);
    expect([...rendered.searchParams.keys()]).toEqual(["phone", "q"]);
    expect(rendered.searchParams.get("phone")).toBe("+31356990230");
    expect(decodeURIComponent(rendered.hash.slice(1))).toBe(value);
  });

  it("refuses a value that would be a whole . or .. path segment", () => {
    expect(render("https://crm.example.com/a/{customerId}/b", { customerId: ".." })).toEqual({ ok: false, problem: 'would make {customerId} a ".." path segment' });
    expect(render("https://crm.example.com/a/{customerId}", { customerId: "." })).toMatchObject({ ok: false });
    // Inside a segment, or in the query, dots are just dots.
    expect(url("https://crm.example.com/a/id-{customerId}", { customerId: ".." })).toBe("https://crm.example.com/a/id-..");
    expect(url("https://crm.example.com/a?id={customerId}", { customerId: ".." })).toBe("https://crm.example.com/a?id=..");
  });

  it("refuses a URL longer than the limit instead of truncating it", () => {
    expect(render("https://crm.example.com/{customerId}", { customerId: "x".repeat(maxRenderedLength) })).toEqual({ ok: false, problem: `renders longer than ${maxRenderedLength} characters` });
    expect(url("https://crm.example.com/{customerId}", { customerId: "é".repeat(1_000) })).toHaveLength(24 + 6_000);
  });

  it("never throws on broken unicode", () => {
    expect(encodeComponent("a\uD800b")).toBe("a%EF%BF%BDb");
    expect(encodeComponent("\uDC00")).toBe("%EF%BF%BD");
  });

  it("says which placeholder has no value", () => {
    expect(render("https://crm.example.com/{customerId}", {})).toEqual({ ok: false, problem: "has no value for {customerId}" });
  });

  it("keeps a custom scheme's authority literal too", () => {
    expect(url("salesforce://open/{customerId}", { customerId: "@evil.com/x" })).toBe("salesforce://open/%40evil.com%2Fx");
  });
});
