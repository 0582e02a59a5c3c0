import { describe, expect, it } from "vitest";
import { normalizeNumber } from "./phone-number.js";

// One number per country, as an organisation of that country meets it:
// international, with the "00" prefix, and national.
const table: [region: string, e164: string, forms: string[]][] = [
  ["NL", "+31356990230", ["+31 35 699 02 30", "0031356990230", "00 31 35 699 02 30", "035-6990230", "(035) 699 02 30", "0356990230"]],
  ["BE", "+3225551212", ["+32 2 555 12 12", "0032 2 555 12 12", "02 555 12 12", "02/555.12.12"]],
  ["DE", "+49301234567", ["+49 (0)30 123 45 67", "+49 30 1234567", "0049 30 1234567", "030 1234567", "(030) 123 45 67"]],
  ["FR", "+33142685300", ["+33 1 42 68 53 00", "0033 1 42 68 53 00", "01 42 68 53 00", "01.42.68.53.00"]],
  ["GB", "+442079460958", ["+44 20 7946 0958", "0044 20 7946 0958", "020 7946 0958", "(020) 7946-0958"]],
  ["US", "+12125550123", ["+1 212 555 0123", "001 212 555 0123", "011 1 212 555 0123", "(212) 555-0123", "212-555-0123", "212.555.0123"]],
];

describe("normalizeNumber", () => {
  for (const [region, e164, forms] of table) {
    for (const form of forms) {
      it(`reads ${JSON.stringify(form)} in ${region} as ${e164}`, () => {
        expect(normalizeNumber(form, region)).toEqual({ ok: true, e164 });
      });
    }
  }

  it("reads foreign numbers in international and 00 form whatever the organisation's region", () => {
    expect(normalizeNumber("+49 (0)30 123 45 67", "NL")).toEqual({ ok: true, e164: "+49301234567" });
    expect(normalizeNumber("0044 20 7946 0958", "FR")).toEqual({ ok: true, e164: "+442079460958" });
    expect(normalizeNumber("+1 212 555 0123", "DE")).toEqual({ ok: true, e164: "+12125550123" });
    expect(normalizeNumber("0031356990230", undefined)).toEqual({ ok: true, e164: "+31356990230" });
  });

  it("answers withheld, anonymous and non-numeric caller ids without a number", () => {
    for (const id of ["anonymous", "Anonymous", "withheld", "Private", "unknown", "restricted", "CLI withheld"]) {
      expect(normalizeNumber(id, "NL")).toEqual({ ok: false, why: "withheld" });
    }
    for (const id of ["sip:alice@example.org", "-", "***", "John"]) {
      expect(normalizeNumber(id, "NL")).toEqual({ ok: false, why: "not_a_number" });
    }
  });

  it("takes short numbers for internal extensions", () => {
    for (const id of ["201", "1234", "**21", "123456"]) expect(normalizeNumber(id, "NL")).toEqual({ ok: false, why: "extension" });
  });

  it("refuses impossible numbers, and national ones when the region is unknown", () => {
    expect(normalizeNumber("+31 12", "NL")).toEqual({ ok: false, why: "not_a_number" });
    expect(normalizeNumber("0123456789012345", "NL")).toEqual({ ok: false, why: "not_a_number" });
    expect(normalizeNumber("035-6990230", undefined)).toEqual({ ok: false, why: "needs_region" });
  });
});
