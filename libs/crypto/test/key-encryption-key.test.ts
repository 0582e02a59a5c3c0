import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyUnwrapError, localKeyWrapper, parseKeyEncryptionKey } from "../src/index.js";

describe("key-encryption keys", () => {
  it("accepts 32 bytes of base64 as openssl prints them", () => {
    const kek = randomBytes(32);
    expect(parseKeyEncryptionKey(`${kek.toString("base64")}\n`).equals(kek)).toBe(true);
  });

  it("refuses anything but 32 bytes of base64, saying how to make one and never echoing it", () => {
    const attempts = [
      "",
      "changeme",
      randomBytes(16).toString("base64"),
      randomBytes(33).toString("base64"),
      randomBytes(32).toString("hex"),
      `${randomBytes(32).toString("base64").slice(0, 40)}!!!=`,
      Buffer.alloc(32).toString("base64"),
    ];
    for (const attempt of attempts) {
      let error: unknown;
      try {
        parseKeyEncryptionKey(attempt);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(attempt)).toBeInstanceOf(Error);
      expect((error as Error).message).toContain("openssl rand -base64 32");
      if (attempt.length > 0) expect((error as Error).message).not.toContain(attempt);
    }
    expect(() => localKeyWrapper("changeme")).toThrow(/openssl rand -base64 32/);
  });

  it("unwraps only under the KEK and the context it wrapped with", async () => {
    const kek = randomBytes(32).toString("base64");
    const wrapper = localKeyWrapper(kek);
    const key = randomBytes(32);
    const wrapped = await wrapper.wrap(key, "tenant A, data, v1");

    expect(wrapped.includes(key)).toBe(false);
    expect((await wrapper.unwrap(wrapped, "tenant A, data, v1")).equals(key)).toBe(true);
    expect((await localKeyWrapper(kek).unwrap(wrapped, "tenant A, data, v1")).equals(key)).toBe(true);
    await expect(wrapper.unwrap(wrapped, "tenant B, data, v1")).rejects.toBeInstanceOf(KeyUnwrapError);
    const other = localKeyWrapper(randomBytes(32).toString("base64"));
    await expect(other.unwrap(wrapped, "tenant A, data, v1")).rejects.toThrow(
      new RegExp(`could not be unwrapped with key-encryption key "${other.id}"`),
    );
  });

  it("names a KEK by a fingerprint unless given an id", () => {
    const kek = randomBytes(32).toString("base64");
    expect(localKeyWrapper(kek).id).toMatch(/^local:[0-9a-f]{16}$/);
    expect(localKeyWrapper(kek).id).toBe(localKeyWrapper(kek).id);
    expect(localKeyWrapper(randomBytes(32).toString("base64")).id).not.toBe(localKeyWrapper(kek).id);
    expect(localKeyWrapper(kek, "kek-2026-11").id).toBe("kek-2026-11");
  });
});
