import { describe, expect, it } from "vitest";
import { REDACTED, isSecretKey, redactSecrets, scrubSecrets } from "./redact.js";

describe("redactSecrets (debug-session lines)", () => {
  it("redacts credentials under secret keys at any depth and keeps personal data", () => {
    const input = {
      user: { displayName: "Jan de Vries", email: "jan@example.com", phone: "+31612345678" },
      request: { password: "Harbour-Lights-2031!", newPassword: "x", totp_code: "123456", code: "654321" },
      headers: { authorization: "Bearer abc", Cookie: "sid=1" },
      pbx: { secret: "s3cr3t", apiKey: "k", clientSecret: "c", refreshToken: "r", recovery_codes: ["a", "b"] },
    };
    expect(redactSecrets(input)).toEqual({
      user: { displayName: "Jan de Vries", email: "jan@example.com", phone: "+31612345678" },
      request: { password: REDACTED, newPassword: REDACTED, totp_code: REDACTED, code: REDACTED },
      headers: { authorization: REDACTED, Cookie: REDACTED },
      pbx: { secret: REDACTED, apiKey: REDACTED, clientSecret: REDACTED, refreshToken: REDACTED, recovery_codes: REDACTED },
    });
  });

  it("keeps operational keys", () => {
    for (const key of ["event", "tenant_id", "ticket", "number", "callerNumber", "name"]) expect(isSecretKey(key), key).toBe(false);
  });

  it("scrubs tokens, URL passwords, assignments and one-time codes from text", () => {
    const jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
    const refresh = "550e8400-e29b-41d4-a716-446655440000.6ba7b810-9dad-11d1-80b4-00c04fd430c8.q2Jd8s7Kx9Lm3Np5Rt7Vw";
    const text = `sent Authorization: Bearer ${jwt} and ${refresh}; db postgres://svc:hunter2@db:5432/x; password=Hunter-22! code 123456 otpauth://totp/X?secret=JBSWY3DP`;
    const out = scrubSecrets(text);
    for (const secret of [jwt, refresh, "hunter2", "Hunter-22!", "123456", "JBSWY3DP"]) expect(out).not.toContain(secret);
    expect(out).toContain("postgres://svc:[REDACTED]@db:5432/x");
  });

  it("leaves prose with personal data alone", () => {
    const text = "Jan de Vries (jan@example.com) called +31 6 1234 5678 at 12:00";
    expect(scrubSecrets(text)).toBe(text);
  });
});
