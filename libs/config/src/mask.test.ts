import { describe, expect, it } from "vitest";
import { describeReceived, isSecretName, maskUrlCredentials } from "./mask.js";

describe("isSecretName", () => {
  it("recognises secret-looking names by their segments", () => {
    for (const name of ["DB_PASSWORD", "TOKEN_SECRET", "SIGNING_KEY", "SUPPORT_API_TOKEN", "KEK", "PRIVATE_KEY_PEM", "password"]) {
      expect(isSecretName(name)).toBe(true);
    }
  });
  it("leaves ordinary names alone", () => {
    for (const name of ["PORT", "DATABASE_URL", "LOG_LEVEL", "KEYCLOAK_REALM", "TOKENIZER_MODE"]) {
      expect(isSecretName(name)).toBe(false);
    }
  });
});

describe("maskUrlCredentials", () => {
  it("masks the password of a URL and keeps the user and host", () => {
    expect(maskUrlCredentials("postgres://app:s3cr3t@db:5432/app")).toBe("postgres://app:***@db:5432/app");
    expect(maskUrlCredentials("redis://:p@ss@cache:6379")).toBe("redis://:***@cache:6379");
  });
  it("leaves URLs without a password unchanged", () => {
    expect(maskUrlCredentials("postgres://postgres@127.0.0.1:15432/postgres")).toBe(
      "postgres://postgres@127.0.0.1:15432/postgres",
    );
    expect(maskUrlCredentials("http://127.0.0.1:8080/a:b@c")).toBe("http://127.0.0.1:8080/a:b@c");
  });
});

describe("describeReceived", () => {
  it("says when a variable is not set", () => {
    expect(describeReceived("PORT", undefined)).toBe("not set");
  });
  it("quotes ordinary values and shortens long ones", () => {
    expect(describeReceived("PORT", "http")).toBe('"http"');
    const shown = describeReceived("NOTE", "a".repeat(500));
    expect(shown).toContain("(500 characters)");
    expect(shown.length).toBeLessThan(120);
  });
  it("never shows a secret's value", () => {
    expect(describeReceived("DB_PASSWORD", "hunter2")).toBe("a hidden value of 7 characters");
  });
});
