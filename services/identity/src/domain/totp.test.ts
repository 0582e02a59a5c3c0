import { describe, expect, it } from "vitest";
import { acceptTotp, currentTotp, generateTotpSecret, totpUri } from "./totp.js";

const step = 30_000;
// A fixed instant in the middle of a step, so ±1 step edges are exact.
const now = 1_764_000_015_000;

describe("TOTP (RFC 6238)", () => {
  it("makes 160-bit base32 secrets and a standard otpauth URI", () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = totpUri(secret, "Switchboard", "demo:anna");
    expect(uri).toMatch(/^otpauth:\/\/totp\/Switchboard:demo%3Aanna\?/);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain("period=30");
    expect(uri).toContain("digits=6");
  });

  it("matches the RFC 6238 SHA-1 test vector", () => {
    // RFC 6238 appendix B: secret "12345678901234567890", T=59 s -> 94287082 (8 digits); 6 digits -> 287082.
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    expect(currentTotp(secret, 59_000)).toBe("287082");
  });

  it("accepts the current code and one step either side, nothing further", () => {
    const secret = generateTotpSecret();
    const current = Math.floor(now / step);
    expect(acceptTotp(secret, currentTotp(secret, now), undefined, now)).toBe(current);
    expect(acceptTotp(secret, currentTotp(secret, now - step), undefined, now)).toBe(current - 1);
    expect(acceptTotp(secret, currentTotp(secret, now + step), undefined, now)).toBe(current + 1);
    expect(acceptTotp(secret, currentTotp(secret, now - 2 * step), undefined, now)).toBeUndefined();
    expect(acceptTotp(secret, currentTotp(secret, now + 2 * step), undefined, now)).toBeUndefined();
  });

  it("refuses a replayed code and any code of an earlier step", () => {
    const secret = generateTotpSecret();
    const code = currentTotp(secret, now);
    const accepted = acceptTotp(secret, code, undefined, now)!;
    expect(acceptTotp(secret, code, accepted, now)).toBeUndefined();
    expect(acceptTotp(secret, currentTotp(secret, now - step), accepted, now)).toBeUndefined();
    expect(acceptTotp(secret, currentTotp(secret, now + step), accepted, now + step)).toBe(accepted + 1);
  });

  it("refuses malformed codes without evaluating them", () => {
    const secret = generateTotpSecret();
    for (const code of ["", "12345", "1234567", "abcdef", " 123456"]) expect(acceptTotp(secret, code, undefined, now)).toBeUndefined();
  });
});
