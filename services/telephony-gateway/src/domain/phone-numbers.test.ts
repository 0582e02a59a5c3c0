import { describe, expect, it } from "vitest";
import { dialString, toE164 } from "./phone-numbers.js";

describe("phone numbers", () => {
  it("reads national numbers with the tenant's region and international ones as written", () => {
    expect(toE164("035 699 0230", "NL")).toBe("+31356990230");
    expect(toE164("+31 35 699 02 30", "DE")).toBe("+31356990230");
    expect(toE164("0031356990230", "NL")).toBe("+31356990230");
    expect(toE164("(0)30 1234567", "DE")).toBe("+49301234567");
  });

  it("says no to what is not a number", () => {
    for (const raw of ["", "anonymous", "1001", "call me", "+31 35", "sip:1001@pbx"]) expect(toE164(raw, "NL")).toBeUndefined();
    expect(toE164("035 699 0230", undefined)).toBeUndefined();
  });

  it("formats what the PBX dials", () => {
    expect(dialString("+31356990230", "NL", "national")).toBe("0356990230");
    expect(dialString("+442071838750", "NL", "national")).toBe("00442071838750");
    expect(dialString("+31356990230", "NL", "e164")).toBe("+31356990230");
    expect(dialString("+31356990230", "NL", "digits")).toBe("31356990230");
  });
});
