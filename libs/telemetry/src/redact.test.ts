import { describe, expect, it } from "vitest";
import { EMAIL_REPLACEMENT, PHONE_REPLACEMENT, REDACTED, isSensitiveKey, redactValue, scrubText } from "./redact.js";

describe("isSensitiveKey", () => {
  it("matches personal and secret keys in any casing style", () => {
    for (const key of ["name", "firstName", "last_name", "displayName", "email", "E-Mail", "phone", "phoneNumber", "number",
      "callerNumber", "called_number", "address", "password", "secret", "token", "accessToken", "refresh_token",
      "Authorization", "totp", "code"]) {
      expect(isSensitiveKey(key), key).toBe(true);
    }
  });
  it("leaves operational keys alone", () => {
    for (const key of ["event", "tenant_id", "count", "durationMs", "status", "service", "trace_id", "names_count"]) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });
});

describe("scrubText: e-mail addresses", () => {
  it("replaces addresses in prose", () => {
    expect(scrubText("sent to jan.de.vries+crm@example.co.uk today")).toBe(`sent to ${EMAIL_REPLACEMENT} today`);
    expect(scrubText("a@b.nl, c@d.org.")).toBe(`${EMAIL_REPLACEMENT}, ${EMAIL_REPLACEMENT}.`);
  });
  it("replaces an address inside a URL, plain or percent-encoded, and keeps the URL", () => {
    expect(scrubText("https://crm.example.com/contacts?email=jan@example.com&x=1")).toBe(
      `https://crm.example.com/contacts?email=${EMAIL_REPLACEMENT}&x=1`,
    );
    expect(scrubText("https://crm.example.com/search?q=jan%40example.com")).toBe(
      `https://crm.example.com/search?q=${EMAIL_REPLACEMENT}`,
    );
    expect(scrubText("mailto:jan@example.com")).toBe(`mailto:${EMAIL_REPLACEMENT}`);
  });
  it("leaves @-mentions, npm scopes and hosts without a domain alone", () => {
    for (const text of ["@switchboard/telemetry", "ping @ops", "postgres://postgres@127.0.0.1:15432/postgres", "user@localhost"]) {
      expect(scrubText(text)).toBe(text);
    }
  });
});

describe("scrubText: phone numbers", () => {
  it("replaces international and national formats", () => {
    for (const number of ["+31612345678", "+31 6 1234 5678", "06-12345678", "(020) 123 4567", "+1 (555) 010-9999", "0612345678"]) {
      expect(scrubText(`call ${number} now`), number).toBe(`call ${PHONE_REPLACEMENT} now`);
    }
  });
  it("keeps small numbers in messages, and separators after a number", () => {
    expect(scrubText("took 250 ms over 3 retries, 12 of 40 rows")).toBe("took 250 ms over 3 retries, 12 of 40 rows");
    expect(scrubText("caller 0612345678 (mobile)")).toBe(`caller ${PHONE_REPLACEMENT} (mobile)`);
    expect(scrubText("port 8080, pid 123456")).toBe("port 8080, pid 123456");
  });
  it("treats any standalone run of 7+ digits as a phone number, because it could be one", () => {
    expect(scrubText("processed 1234567 rows")).toBe(`processed ${PHONE_REPLACEMENT} rows`);
  });
  it("keeps identifiers, units and dates that merely contain digit runs", () => {
    for (const text of [
      "tenant 550e8400-e29b-41d4-a716-446655440000",
      "a1b2c3d4-1234-5678-9abc-def012345678",
      "trace 4bf92f3577b34da6a3ce929d0e0e4736",
      "took 1500000ns",
      "expires 2024-05-01T12:00:00.000Z",
      "on 2024-05-01 12:00",
      "v1234567",
    ]) {
      expect(scrubText(text), text).toBe(text);
    }
  });
  it("returns the same string when there is nothing to scrub", () => {
    const text = "lookup.cache_miss";
    expect(scrubText(text)).toBe(text);
  });
});

describe("redactValue", () => {
  it("redacts personal keys at any depth, including inside arrays", () => {
    const input = {
      event: "recognition.lookup",
      tenant: { id: "t1", contacts: [{ name: "Jan", phone: "+31612345678", tags: ["vip"] }, [{ email: "a@b.nl" }]] },
      headers: { authorization: "Bearer abc" },
    };
    expect(redactValue(input)).toEqual({
      event: "recognition.lookup",
      tenant: { id: "t1", contacts: [{ name: REDACTED, phone: REDACTED, tags: ["vip"] }, [{ email: REDACTED }]] },
      headers: { authorization: REDACTED },
    });
  });

  it("redacts a whole object or array under a personal key", () => {
    expect(redactValue({ address: { street: "Dorpsstraat 1", city: "Utrecht" }, number: ["1", "2"] })).toEqual({
      address: REDACTED,
      number: REDACTED,
    });
  });

  it("scrubs strings under innocent keys and in arrays", () => {
    expect(redactValue({ note: "mail jan@example.com or call +31 6 1234 5678", list: ["x", "0612345678"] })).toEqual({
      note: `mail ${EMAIL_REPLACEMENT} or call ${PHONE_REPLACEMENT}`,
      list: ["x", PHONE_REPLACEMENT],
    });
  });

  it("keeps numbers, booleans, null and dates as they are", () => {
    const when = new Date(0);
    expect(redactValue({ count: 31612345678, ok: true, nothing: null, when })).toEqual({
      count: 31612345678,
      ok: true,
      nothing: null,
      when,
    });
  });

  it("returns the same object and never copies when nothing needs redaction", () => {
    const nested = { ids: ["a", "b"], meta: { attempt: 2 } };
    const input = { event: "identity.sign_in", tenant_id: "t1", nested };
    expect(redactValue(input)).toBe(input);
  });

  it("copies instead of mutating the caller's object", () => {
    const input = { user: { email: "a@b.nl" } };
    const output = redactValue(input) as typeof input;
    expect(output.user.email).toBe(REDACTED);
    expect(input.user.email).toBe("a@b.nl");
  });

  it("survives circular objects and replaces the cycle", () => {
    const input: Record<string, unknown> = { event: "x", email: "a@b.nl" };
    input.self = input;
    const list: unknown[] = ["+31612345678"];
    list.push(list);
    expect(redactValue(input)).toEqual({ event: "x", email: REDACTED, self: "[Circular]" });
    expect(redactValue(list)).toEqual([PHONE_REPLACEMENT, "[Circular]"]);
  });

  it("keeps shared (non-circular) references", () => {
    const shared = { kind: "x" };
    expect(redactValue({ a: shared, b: shared })).toEqual({ a: shared, b: shared });
  });

  it("cuts off absurdly deep nesting instead of overflowing the stack", () => {
    let deep: Record<string, unknown> = { email: "a@b.nl" };
    for (let i = 0; i < 10_000; i++) deep = { child: deep };
    expect(() => JSON.stringify(redactValue(deep))).not.toThrow();
    expect(JSON.stringify(redactValue(deep))).toContain("[Too deep]");
  });

  it("turns errors into plain objects with scrubbed message and stack, keeping error codes", () => {
    const error = Object.assign(new Error("no contact for +31612345678"), { code: "ECONNREFUSED", email: "a@b.nl" });
    const output = redactValue({ err: error }) as { err: Record<string, unknown> };
    expect(output.err.type).toBe("Error");
    expect(output.err.message).toBe(`no contact for ${PHONE_REPLACEMENT}`);
    expect(output.err.stack).not.toContain("31612345678");
    expect(output.err.code).toBe("ECONNREFUSED");
    expect(output.err.email).toBe(REDACTED);
  });

  it("handles long strings in linear time (no regex backtracking)", () => {
    const hostile = [
      "1".repeat(200_000) + "x",
      "1" + " ".repeat(200_000) + "2",
      "a".repeat(200_000) + "@",
      "a%40".repeat(100_000),
      "a@".repeat(100_000),
      ("jan@example.com 0612345678 ").repeat(10_000),
    ];
    for (const text of hostile) {
      expect(typeof scrubText(text)).toBe("string");
    }
    expect(scrubText(("jan@example.com 0612345678 ").repeat(3))).toBe(
      `${EMAIL_REPLACEMENT} ${PHONE_REPLACEMENT} `.repeat(3),
    );
  });
});
