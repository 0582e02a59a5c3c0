import { describe, expect, it } from "vitest";
import { argon2Parameters, hashPassword, needsRehash, verifyPassword } from "./password-hash.js";

describe("password hashing", () => {
  it("stores Argon2id with at least OWASP's parameters in PHC format", async () => {
    const hashed = await hashPassword("Violet-Harbour-42");
    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(argon2Parameters.memoryCost).toBeGreaterThanOrEqual(19_456);
    expect(needsRehash(hashed)).toBe(false);
  });

  it("verifies the right password only", async () => {
    const hashed = await hashPassword("Violet-Harbour-42");
    expect(await verifyPassword(hashed, "Violet-Harbour-42")).toBe(true);
    expect(await verifyPassword(hashed, "violet-harbour-42")).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("Same-Password-1")).not.toBe(await hashPassword("Same-Password-1"));
  });

  it("treats a malformed stored hash as a mismatch, and weaker parameters as needing a rehash", async () => {
    expect(await verifyPassword("not-a-hash", "anything")).toBe(false);
    expect(needsRehash("$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g")).toBe(true);
    expect(needsRehash("$2b$10$abcdefghijklmnopqrstuv")).toBe(true);
  });
});
