import { describe, expect, it } from "vitest";
import { generateRecoveryCodes, hashRecoveryCode, matchRecoveryCode } from "./recovery-codes.js";

describe("recovery codes", () => {
  it("issues ten distinct readable codes", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
  });

  it("matches a code typed in lower case or without the dash, and nothing else", () => {
    const codes = generateRecoveryCodes();
    const stored = codes.map(hashRecoveryCode);
    expect(matchRecoveryCode(codes[3]!.toLowerCase().replace("-", ""), stored)).toBe(3);
    expect(matchRecoveryCode("AAAAA-AAAAA", stored)).toBe(-1);
    expect(stored.join()).not.toContain(codes[0]!.replace("-", ""));
  });
});
